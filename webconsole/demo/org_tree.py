"""A wide org tree loaded in bulk, for the benchmarks and tests that need tens of thousands of orgs."""
from datetime import timedelta

from sqlalchemy import func, insert, select

from webconsole.extensions import db
from webconsole.models import Org
from webconsole.models.base import utcnow


def add_regions(parents, regions=20, leaves=1000):
    """`regions` orgs named "Region NN", each with `leaves` orgs "Leaf NN-LLLL" below it, the regions taken
    in turn under each org of `parents`; bulk inserted, not committed. [(region id, [leaf ids])]."""
    n = db.session.scalar(select(func.max(Org.id))) + 1
    now, rows, added = utcnow(), [], []
    for r in range(regions):
        parent = parents[r % len(parents)]
        region, path = n, f"{parent.path}{n}/"
        rows.append(_org(region, f"Region {r:02d}", parent.id, path, now))
        n += 1
        added.append((region, list(range(n, n + leaves))))
        for leaf in range(leaves):
            rows.append(_org(n, f"Leaf {r:02d}-{leaf:04d}", region, f"{path}{n}/", now))
            n += 1
    for chunk in range(0, len(rows), 2000):
        db.session.execute(insert(Org), rows[chunk:chunk + 2000])
    return added


def _org(org_id, name, parent_id, path, now):
    # Creation times spread over a few hours, so that sorting by them means something.
    return {"id": org_id, "uid": f"org{org_id:012d}", "name": name, "parent_id": parent_id, "path": path,
            "registration_key": f"KEY-{org_id:012d}", "status": "active", "ext_ref": "", "notes": "",
            "created_at": now - timedelta(minutes=org_id % 500), "updated_at": now}
