"""The feed: the web pages, JSON API and Atom feed coordinators and admins use.

Everything baton-specific (rules context, rules file, source names, clock)
arrives in a `FeedSettings` passed to `create_app`; feed/ never imports baton/.
"""
