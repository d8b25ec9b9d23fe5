"""The Jobs view as a person watches it: the bar moves while the job runs, then the download appears."""
import os

from playwright.sync_api import expect
from sqlalchemy import select

from webconsole.domain.jobs import folder
from webconsole.extensions import db
from webconsole.models import Job, User


def test_a_jobs_page_follows_its_progress_until_the_download(page, sign_in, base_url, live_app, tmp_path):
    live_app.config["JOBS_FOLDER"] = str(tmp_path)
    with live_app.app_context():
        auditor = db.session.scalar(select(User).where(User.username == "auditor@example.com"))
        job = Job(kind="list.export", label="Audit Log export", user_id=auditor.id, state="running", done=0,
                  total=300)
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    sign_in("auditor@example.com")
    page.get_by_role("link", name="Jobs").click()
    page.get_by_role("link", name="Audit Log export").click()
    expect(page.get_by_text("0 of 300 done")).to_be_visible()

    def update(**values):
        with live_app.app_context():
            job = db.session.get(Job, job_id)
            for name, value in values.items():
                setattr(job, name, value)
            db.session.commit()

    update(done=120)
    expect(page.locator("progress")).to_have_attribute("value", "120")
    with live_app.app_context():
        path = folder(job_id)
    os.makedirs(path)
    with open(os.path.join(path, "export.csv"), "w") as out:
        out.write("Date,Actor\n")
    update(done=300, state="succeeded", result_path="export.csv", result_name="audit-log.csv")
    link = page.get_by_role("link", name="Download audit-log.csv")
    expect(link).to_be_visible()
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "audit-log.csv"
    # Finished: the fragment that replaced the polling one asks no more.
    expect(page.locator("#job-status")).not_to_have_attribute("hx-trigger", "every 1s")
