"""Drives Todogenie's CalDAV server with python3-caldav (Debian's package), as a user would.

Usage: python3 python_caldav_client.py <base url> <email> <personal access token>
Prints one JSON object of what it saw; the jest test (caldav-clients.e2e.ts) asserts on it.
Exits non-zero with a traceback when the library itself fails.
"""
import json
import sys
import uuid

import caldav

base, email, token = sys.argv[1:4]
out = {}

client = caldav.DAVClient(url=base + "/.well-known/caldav", username=email, password=token)
principal = client.principal()
calendars = principal.calendars()
out["calendars"] = sorted(str(c.url) for c in calendars)
inbox = next(c for c in calendars if str(c.url).endswith("/inbox/"))
out["inboxName"] = inbox.get_properties([caldav.dav.DisplayName()]).get("{DAV:}displayname")

uid = str(uuid.uuid4())
todo = inbox.save_todo(
    "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//python3-caldav test//EN",
            "BEGIN:VTODO",
            "UID:" + uid,
            "DTSTAMP:20261130T000000Z",
            "SUMMARY:From python",
            "DUE:20261205T120000Z",
            "PRIORITY:5",
            "CATEGORIES:py",
            "X-PY-KEEP:yes",
            "END:VTODO",
            "END:VCALENDAR",
            "",
        ]
    )
)
out["uid"] = uid
out["created"] = str(todo.url)

listed = inbox.todos()
out["listed"] = sorted(str(t.instance.vtodo.summary.value) for t in listed)

loaded = inbox.todo_by_uid(uid)
loaded.load()
out["keptAfterLoad"] = "X-PY-KEEP:yes" in loaded.data

loaded.vobject_instance.vtodo.summary.value = "From python, edited"
loaded.save()
again = inbox.todo_by_uid(uid)
out["edited"] = str(again.instance.vtodo.summary.value)

# A sync token, then a change: only that change comes back.
synced = inbox.objects_by_sync_token(load_objects=False)
out["syncCount"] = len(list(synced))
again.complete()
updated, deleted = synced.sync()
out["syncUpdated"] = len(list(updated))

out["open"] = sorted(str(t.instance.vtodo.summary.value) for t in inbox.todos())
out["withCompleted"] = sorted(str(t.instance.vtodo.summary.value) for t in inbox.todos(include_completed=True))

queried = inbox.date_search(start=__import__("datetime").datetime(2026, 12, 1), end=__import__("datetime").datetime(2026, 12, 31), compfilter="VTODO")
out["dateSearch"] = len(queried)

again.delete()
out["afterDelete"] = sorted(str(t.instance.vtodo.summary.value) for t in inbox.todos(include_completed=True))
print(json.dumps(out))
