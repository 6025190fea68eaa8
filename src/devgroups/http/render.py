"""Response bodies of groups, rendered once per listing version and reused."""

from __future__ import annotations

from typing import Any

import orjson

from devgroups.domain.model import Group
from devgroups.services.groups import Listing


def listing_body(listing: Listing, group_id: str | None) -> bytes:
    """The JSON list of all groups, or of the one named; GroupNotFound if it is not there."""
    body = listing.memo.get(group_id)
    if body is None:
        chosen = listing.groups if group_id is None else (listing.find(group_id),)
        body = listing.memo[group_id] = orjson.dumps([group_json(g) for g in chosen])
    return body


def group_json(group: Group) -> dict[str, Any]:
    return {
        "groupName": group.name,
        "groupId": group.group_id,
        "deviceList": [{"devTid": m.dev_tid, "ctrlKey": m.ctrl_key} for m in group.members],
        "desc": group.desc,
        "createTime": group.create_time,
        "updateTime": group.update_time,
        "groupMid": group.mid,
    }
