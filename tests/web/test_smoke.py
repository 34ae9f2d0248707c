def test_home_page_answers_in_chinese_by_default(client):
    html = client.get("/").get_data(as_text=True)
    assert "继续医学教育" in html
