def test_login_register_read_back_masked(api, build):
    token, profile = build.volunteer(phone="13812345678")
    assert profile["phone"] == "138****5678"
    again = api.as_(token).get("/volunteers/me")
    assert again.status_code == 200, again.json
    assert again.json["phone"] == "138****5678"
