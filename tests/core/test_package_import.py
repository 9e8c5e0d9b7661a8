"""``import jupyter_mlstudio`` stays light: job and endpoint processes import the package,
so pandas, the Data Wrangler's transforms, autolog, optuna and Alembic (needed once a
database is opened) load only when used."""

from __future__ import annotations

import json
import subprocess
import sys

import jupyter_mlstudio as mls


def test_importing_the_package_loads_no_pandas_transforms_autolog_or_alembic() -> None:
    code = (
        "import json, sys; import jupyter_mlstudio; "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('pandas', 'sklearn', 'numpy', 'optuna', 'duckdb', 'alembic') or "
        "m.startswith(('jupyter_mlstudio.wrangler', "
        "'jupyter_mlstudio.autolog')))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert json.loads(result.stdout) == []


def test_every_public_name_resolves() -> None:
    for name in mls.__all__:
        assert getattr(mls, name) is not None, name
    assert callable(mls.studio)  # the SDK function, not the module of the same name
    assert mls.Flow.__name__ == "Flow"
    assert callable(mls.autolog) and callable(mls.list_transforms)
    assert {"Flow", "autolog", "train"} <= set(dir(mls))
    # mls.monitor loads its parts on first use too: every name it lists is there
    for name in mls.monitor.__all__:
        assert getattr(mls.monitor, name) is not None, name


def test_autolog_stays_the_function_when_its_module_is_imported_first() -> None:
    code = (
        "import jupyter_mlstudio.autolog\nimport jupyter_mlstudio as mls\n"
        "assert callable(mls.autolog), mls.autolog\n"
    )
    subprocess.run([sys.executable, "-c", code], timeout=60, check=True)
