"""The placeholder app renders its title and the release's counts (Streamlit AppTest)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from ontology.paths import REPO_ROOT


def test_app_shows_title_and_counts() -> None:
    app = AppTest.from_file(str(REPO_ROOT / "ui" / "app.py"), default_timeout=60).run()
    assert not app.exception
    assert app.title[0].value == "ParaReop"
    assert [m.label for m in app.metric] == ["Classes", "Properties", "Individuals", "Evidence nodes"]
    assert all(int(m.value) > 0 for m in app.metric)
