from conftest import HEADER, report_rows


def test_one_answered_contact(write_csv):
    path = write_csv(
        f"""
        {HEADER}
        1,2024-03-04T09:00:00Z,2024-03-04T09:00:10Z,2024-03-04T09:05:10Z,voice,inbound,q,a1,c1,r,,,,
        """
    )
    [row] = report_rows([path])
    assert row["offered"] == 1
    assert row["asa_seconds"] == 10.0
    assert row["aht_seconds"] == 300.0
