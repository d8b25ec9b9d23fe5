def test_keys_and_seats_per_org_within_scope(client, sign_in, world):
    sign_in("admin@acme.test")
    html = client.get("/subscription/").get_data(as_text=True)
    assert "Sales" in html and "Platform" in html
    assert '<span class="stat-value">2</span>' in html  # user and seller each have an active device
    sign_in("orgadmin@acme.test")
    html = client.get("/subscription/").get_data(as_text=True)
    assert "Sales" not in html and "Platform" in html
    sign_in("helpdesk@acme.test")
    assert client.get("/subscription/").status_code == 403
