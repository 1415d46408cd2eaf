"""JSON shapes of Trello objects, key for key as the recorded samples show them.

The samples (tests/fixtures/api-samples/trello) are the reference: same keys,
same order, same value types. Values Trello derives (badges, URLs, nodeIds,
initials) are derived here the same way; constant blocks (limits, prefs) carry
Trello's defaults for a free workspace.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sandbox.trello.ids import iso, slugify
from sandbox.trello.records import (
    Action,
    Attachment,
    Board,
    Card,
    CustomField,
    Label,
    Member,
    TrelloList,
)
from sandbox.trello.state import TrelloState

LABEL_COLORS = ("green", "yellow", "orange", "red", "purple", "blue", "sky", "lime", "pink",
                "black")
ACTION_MEMBER_FIELDS = ("id", "activityBlocked", "avatarHash", "avatarUrl", "fullName",
                        "idMemberReferrer", "initials", "nonPublic", "nonPublicAvailable",
                        "username")


def select_fields(record: dict[str, Any], fields: str | None, default: str = "all"
                  ) -> dict[str, Any]:
    """Honour `fields=all` or a comma list; `id` always comes back, as on Trello."""
    wanted = fields or default
    if wanted == "all":
        return record
    names = {name.strip() for name in wanted.split(",")}
    return {key: value for key, value in record.items() if key == "id" or key in names}


def _number(pos: float) -> float | int:
    """Positions are JSON numbers; whole ones go out without a fraction, as Trello's do."""
    return int(pos) if float(pos).is_integer() else pos


def _limit(disable_at: int) -> dict[str, Any]:
    return {"status": "ok", "disableAt": disable_at, "warnAt": disable_at * 4 // 5}


def _initials(full_name: str) -> str:
    return "".join(word[0] for word in full_name.split()[:2]).upper()


def _avatar(member: Member) -> tuple[str, str]:
    avatar_hash = hashlib.md5(member.id.encode()).hexdigest()
    return avatar_hash, f"https://trello-members.s3.amazonaws.com/{member.id}/{avatar_hash}"


def member_full(state: TrelloState, member: Member) -> dict[str, Any]:
    """`GET /members/{id}` with every field (`fields=all`, the default)."""
    avatar_hash, avatar_url = _avatar(member)
    board_ids = [b.id for b in state.boards.values() if member.id in b.memberships]
    return {
        "id": member.id, "aaId": None, "activityBlocked": False, "avatarHash": avatar_hash,
        "avatarUrl": avatar_url, "bio": "", "bioData": None, "confirmed": True,
        "fullName": member.full_name, "idEnterprise": None, "idEnterprisesDeactivated": [],
        "idMemberReferrer": None, "idPremOrgsAdmin": [], "initials": _initials(member.full_name),
        "memberType": "normal", "nonPublic": {}, "nonPublicAvailable": True, "products": [],
        "url": f"https://trello.com/u/{member.username}", "username": member.username,
        "dateLastImpression": None, "status": "disconnected", "aaBlockSyncUntil": None,
        "aaEmail": None, "aaEnrolledDate": None, "avatarSource": "none",
        "credentialsRemovedCount": 0, "dateLastActive": None, "domainClaimed": None,
        "email": member.email, "gravatarHash": None, "idBoards": board_ids,
        "idOrganizations": [state.organization_id], "idEnterprisesAdmin": [],
        "limits": {"boards": {"totalPerMember": _limit(4500)},
                   "orgs": {"totalPerMember": _limit(850)}},
        "loginTypes": ["atlassian"], "marketingOptIn": {"optedIn": False, "date": None},
        "messagesDismissed": [], "nodeId": f"ari:cloud:trello::user/{member.id}",
        "oneTimeMessagesDismissed": [], "sessionType": None,
        "prefs": {"sendSummaries": True, "minutesBetweenSummaries": 60,
                  "minutesBeforeDeadlineToNotify": 60, "colorBlind": False,
                  "keyboardShortcutsEnabled": True, "locale": "en-US",
                  "privacy": {"fullName": "public", "avatar": "public"}},
        "trophies": [], "uploadedAvatarHash": None, "uploadedAvatarUrl": None,
        "premiumFeatures": [], "isAaMastered": True, "ixUpdate": "1",
    }


def member_creator(state: TrelloState, member: Member) -> dict[str, Any]:
    """The `memberCreator` block of an action (the documented default member_fields)."""
    full = member_full(state, member)
    return {key: full[key] for key in ACTION_MEMBER_FIELDS}


BOARD_LIMITS = {
    "attachments": {"perBoard": _limit(36000), "perCard": _limit(1000)},
    "boards": {"totalMembersPerBoard": _limit(1600), "totalAccessRequestsPerBoard": _limit(4000)},
    "cards": {"openPerBoard": _limit(5000), "openPerList": _limit(5000),
              "totalPerBoard": _limit(2000000), "totalPerList": _limit(1000000)},
    "checklists": {"perBoard": _limit(1800000), "perCard": _limit(500)},
    "checkItems": {"perChecklist": _limit(200)},
    "customFields": {"perBoard": _limit(50)},
    "customFieldOptions": {"perField": _limit(50)},
    "labels": {"perBoard": _limit(1000)},
    "lists": {"openPerBoard": _limit(500), "totalPerBoard": _limit(3000)},
    "stickers": {"perCard": _limit(70)},
    "reactions": {"perAction": _limit(900), "uniquePerAction": _limit(17)},
}
BOARD_PREFS = {
    "permissionLevel": "private", "hideVotes": False, "voting": "disabled",
    "comments": "members", "invitations": "members", "selfJoin": True, "cardCovers": True,
    "showCompleteStatus": True, "cardCounts": False, "isTemplate": False,
    "cardAging": "regular", "calendarFeedEnabled": False, "hiddenPluginBoardButtons": [],
    "switcherViews": [{"viewType": view, "enabled": view in ("Board", "Table")}
                      for view in ("Board", "Table", "Calendar", "Dashboard", "Timeline", "Map")],
    "autoArchive": None, "background": "blue", "backgroundColor": "#0079BF",
    "backgroundDarkColor": None, "backgroundImage": None, "backgroundDarkImage": None,
    "backgroundImageScaled": None, "backgroundTile": False, "backgroundBrightness": "dark",
    "sharedSourceUrl": None, "backgroundBottomColor": "#0079BF",
    "backgroundTopColor": "#0079BF", "canBePublic": True, "canBeEnterprise": True,
    "canBeOrg": True, "canBePrivate": True, "canInvite": True,
}
LABEL_NAMES = {f"{color}{shade}": "" for shade in ("", "_dark", "_light")
               for color in LABEL_COLORS}


def board_full(state: TrelloState, board: Board) -> dict[str, Any]:
    """A board with every field, as `/members/me/boards` returns it by default."""
    creator = min(board.admin_ids) if board.admin_ids else state.me_id
    return {
        "id": board.id,
        "nodeId": f"ari:cloud:trello::board/workspace/{state.organization_id}/{board.id}",
        "name": board.name, "desc": board.desc, "descData": None, "closed": board.closed,
        "creationMethod": None, "creationMethodError": None,
        "creationMethodLoadingStartedAt": None, "creationMethodLoadingPhase": None,
        "dateClosed": iso(board.date_closed), "idOrganization": state.organization_id,
        "idEnterprise": None, "limits": BOARD_LIMITS, "pinned": False, "starred": False,
        "url": f"https://trello.com/b/{board.short_link}/{slugify(board.name)}",
        "prefs": BOARD_PREFS, "shortLink": board.short_link, "subscribed": False,
        "labelNames": LABEL_NAMES, "powerUps": [],
        "dateLastActivity": iso(board.date_last_activity), "dateLastView": None,
        "shortUrl": f"https://trello.com/b/{board.short_link}", "idTags": [],
        "datePluginDisable": None, "ixUpdate": "1", "templateGallery": None,
        "enterpriseOwned": False, "idBoardSource": None, "premiumFeatures": [],
        "idMemberCreator": creator, "type": None,
        "memberships": [{"id": membership_id, "idMember": member_id,
                         "memberType": "admin" if member_id in board.admin_ids else "normal",
                         "unconfirmed": False, "deactivated": False}
                        for member_id, membership_id in board.memberships.items()],
    }


def list_full(trello_list: TrelloList) -> dict[str, Any]:
    return {"id": trello_list.id, "name": trello_list.name, "closed": trello_list.closed,
            "color": None, "idBoard": trello_list.board_id, "pos": _number(trello_list.pos),
            "subscribed": False, "softLimit": None, "type": None,
            "datasource": {"filter": False}}


def label_json(label: Label) -> dict[str, Any]:
    return {"id": label.id, "idBoard": label.board_id, "name": label.name,
            "color": label.color}


def _badges(card: Card, attachment_count: int) -> dict[str, Any]:
    return {
        "attachments": attachment_count, "fogbugz": "", "checkItems": 0,
        "checkItemsChecked": 0, "checkItemsEarliestDue": None, "comments": 0,
        "description": bool(card.desc), "due": iso(card.due), "dueComplete": card.due_complete,
        "lastUpdatedByAi": False, "start": iso(card.start), "externalSource": None,
        "attachmentsByType": {"trello": {"board": 0, "card": 0}}, "location": False,
        "votes": 0, "maliciousAttachments": 0, "viewingMemberVoted": False,
        "subscribed": False,
    }


def card_full(state: TrelloState, card: Card) -> dict[str, Any]:
    """A card with every field (`fields=all`, the default everywhere cards are read)."""
    attachments = [a for a in state.attachments.values() if a.card_id == card.id]
    is_link = card.name.startswith(("http://", "https://")) and " " not in card.name
    return {
        "id": card.id, "agent": None, "badges": _badges(card, len(attachments)),
        "checkItemStates": [], "closed": card.closed, "dueComplete": card.due_complete,
        "dateLastActivity": iso(card.date_last_activity), "desc": card.desc,
        "descData": {"emoji": {}}, "due": iso(card.due), "dueReminder": None, "email": None,
        "idBoard": card.board_id, "idChecklists": [], "idList": card.list_id,
        "idMembers": list(card.member_ids), "idMembersVoted": [], "idShort": card.id_short,
        "idAttachmentCover": None,
        "labels": [label_json(state.labels[i]) for i in card.label_ids],
        "idLabels": list(card.label_ids), "manualCoverAttachment": False, "name": card.name,
        "nodeId": f"ari:cloud:trello::card/workspace/{state.organization_id}/{card.id}",
        "pinned": False, "pos": _number(card.pos), "shortLink": card.short_link,
        "shortUrl": f"https://trello.com/c/{card.short_link}", "start": iso(card.start),
        "subscribed": False,
        "url": f"https://trello.com/c/{card.short_link}/{card.id_short}-{slugify(card.name)}",
        "cover": {"idAttachment": None, "color": None, "idUploadedBackground": None,
                  "size": "normal", "brightness": "dark", "yPosition": 0.5, "idPlugin": None},
        "isTemplate": False, "cardRole": "link" if is_link else None, "mirrorSourceId": None,
    }


def custom_field_json(custom_field: CustomField) -> dict[str, Any]:
    """A definition as `/boards/{id}/customFields` lists it (Trello's custom fields guide:
    `options` only on list fields; `display.cardFront` per the OpenAPI schema)."""
    body: dict[str, Any] = {
        "id": custom_field.id, "idModel": custom_field.board_id, "modelType": "board",
        "fieldGroup": hashlib.sha256(custom_field.id.encode()).hexdigest(),
        "display": {"cardFront": custom_field.card_front}, "name": custom_field.name,
        "pos": _number(custom_field.pos)}
    if custom_field.type == "list":
        body["options"] = [{"id": o.id, "idCustomField": custom_field.id,
                            "value": {"text": o.text}, "color": o.color, "pos": _number(o.pos)}
                           for o in custom_field.options]
    body["type"] = custom_field.type
    return body


def custom_items_json(state: TrelloState, card: Card) -> list[dict[str, Any]]:
    """A card's `customFieldItems`: only fields it has a value for, in board order."""
    items = sorted(card.custom_items.values(),
                   key=lambda i: state.custom_fields[i.field_id].pos)
    return [{"id": item.id,
             **({"idValue": item.id_value} if item.id_value else {"value": item.value}),
             "idCustomField": item.field_id, "idModel": card.id, "modelType": "card"}
            for item in items]


def attachment_json(attachment: Attachment) -> dict[str, Any]:
    """A link attachment: no bytes, no previews, no file name (see the link sample)."""
    return {"id": attachment.id, "bytes": None, "date": iso(attachment.date),
            "edgeColor": None, "idMember": attachment.member_id, "isMalicious": False,
            "isUpload": False, "mimeType": attachment.mime_type, "name": attachment.name,
            "previews": [], "sourceView": None, "url": attachment.url,
            "pos": _number(attachment.pos), "fileName": ""}


def action_json(state: TrelloState, action: Action, *, with_creator: bool = True,
                with_member: bool = True) -> dict[str, Any]:
    """An action; `member` appears only on actions about a member (add/remove)."""
    body: dict[str, Any] = {
        "id": action.id, "idMemberCreator": action.member_creator_id, "data": action.data,
        "agenticIdentity": None, "appCreator": None, "type": action.type,
        "date": iso(action.date), "limits": None,
    }
    if with_creator:
        body["memberCreator"] = member_creator(state, state.members[action.member_creator_id])
    if with_member and action.member_id is not None:
        body["member"] = member_creator(state, state.members[action.member_id])
    return body
