"""One router per page family; `feed.app.create_app` includes them all."""
