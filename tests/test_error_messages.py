"""Every user-facing error message in src/headwater is asserted somewhere in the tests.

A user-facing error is an exception of the ``HeadwaterError`` tree (found by reading the class
definitions in src) or a ``click.UsageError``/``BadParameter``/``ClickException``. Each place
that builds one is found with ``ast``; the constant text of its message must appear in a file
under tests/ or in README.md (whose code blocks run as tests). Run this file as a script to
print the unasserted messages with file:line.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "headwater"
TESTS = ROOT / "tests"
CLICK_ERRORS = frozenset({"UsageError", "BadParameter", "ClickException"})
# a chunk this long is distinctive enough to find the message by; shorter messages use their longest chunk
DISTINCTIVE = 20
# fewer letters than this in every chunk means the message is built at run time
MIN_LETTERS = 8
EDGE = " '\"`:;,.()[]{}\n"

# Sites whose message has no literal part of its own, keyed by "path::function", with why that is fine.
RUNTIME_ONLY: dict[str, str] = {
    "definitions/asset_spec.py::as_key": "prefixes where the key came from to AssetKey.parse's own message",
    "definitions/retry.py::Retry.__post_init__": "joins the problems appended just above it (delay, backoff, jitter)",
    "execution/step.py::_failure": "wraps the user's exception as 'TypeName: text', which is the user's own message",
    "graph/asset_graph.py::_Resolver.bind": "prefixes the asset and its source line to the by-name resolver's message",
    "graph/selection_parser.py::_Parser.parse": "`self.unexpected(tok)` uses the factory's default hint _TERM_HINT",
    "graph/selection_parser.py::_Parser.primary": "`self.unexpected(tok)` uses the factory's default hint _TERM_HINT",
    "graph/selection_parser.py::_Parser.attr": "the problem and hint are the selector's name and its allowed values",
    "instance/result.py::RunResult.raise_on_failure": "repeats the failed step's own error",
    "integrations/dbt.py::_Builder._key": "prefixes the dbt node to AssetKey's own message",
    "integrations/dbt.py::_Builder._ask": "prefixes the dbt project and node to the translator's own message",
    "integrations/dbt_translator.py::_parse": "prefixes the meta field to AssetKey's own message",
    "io/duckdb.py::DuckDBIOManager.store": "`self._error(...)` builds the message from the DuckDB error",
    "io/duckdb.py::DuckDBIOManager.load": "`no_value(...)` is the shared 'no stored value' message of io/base.py",
    "io/filesystem.py::FilesystemIOManager.load_recorded": "`unrecorded_value(...)` is the shared message of "
    "io/base.py for a stored value no materialization recorded",
    "io/parquet.py::ParquetIOManager._recorded_bytes": "`unrecorded_value(...)`, the shared message of io/base.py",
    "io/frames.py::require": "the text comes from install_hint(), the one 'pip install' message of optional libraries",
    "storage/sql.py::Storage._prepare": "`self._unavailable(...)` builds the message from the driver's error",
    "automation/alert_delivery.py::deliver": "names the target and passes on the text of the network or SMTP error",
    "automation/alerting.py::resolve_alerts": "prefixes the alert and its select= to the selection parser's message",
    "definitions/declared.py::source_version": "`_no_source(...)` is the one message for a function whose source "
    "Python cannot read",
    "execution/publish.py::check_staging": "`no_staging(...)`, the shared message of io/base.py for a manager that "
    "cannot stage",
    "integrations/spark.py::SparkParquetIOManager.load_staged": "`no_staged_value(...)`, the shared message of "
    "io/base.py for a staged value that is gone",
    "integrations/spark.py::SparkParquetIOManager.publish": "`no_staged_value(...)`, the shared message of io/base.py",
    "io/base.py::IOManager.discard": "`no_staging(...)`, the shared message for a manager that cannot stage",
    "io/base.py::IOManager.load_staged": "`no_staging(...)`, the shared message for a manager that cannot stage",
    "io/base.py::IOManager.publish": "`no_staging(...)`, the shared message for a manager that cannot stage",
    "io/base.py::IOManager.stage": "`no_staging(...)`, the shared message for a manager that cannot stage",
    "io/duckdb_staging.py::_swap": "`no_staged_value(...)`, the shared message of io/base.py",
    "io/duckdb_staging.py::load": "`no_staged_value(...)`, the shared message of io/base.py",
    "io/filesystem.py::FilesystemIOManager.load_staged": "`no_staged_value(...)`, the shared message of io/base.py",
    "io/parquet.py::ParquetIOManager.load_staged": "`no_staged_value(...)`, the shared message of io/base.py",
    "io/staging.py::publish_file": "`no_staged_value(...)`, the shared message of io/base.py",
    "web/api_assets.py::asset_diff": "passes state.diff's SelectionError text on as a 409",
    "web/api_automation.py::switch": "passes UnknownInstigator's text on as a 404",
    "web/api_launch.py::launch": "joins the problems check_request found, each its own message",
    "storage/sql.py::Storage.add_run": "`self._run_taken(...)`, the one message for a run id that is taken",
    "storage/sql.py::Storage.record_run": "`self._run_taken(...)`, the one message for a run id that is taken",
    "web/api_report.py::report": "passes the SelectionError text of an unknown asset on as a 404",
    "web/oidc_client.py::OidcClient.verify_id_token": "`_bad_claim(...)` words the claim the ID token got wrong",
    "web/oidc_client.py::_get_json": "`_unreachable(...)`, the one message for a provider endpoint that cannot be read",
}

# Messages that a user cannot cause through any public way, with why.
UNREACHABLE: dict[str, str] = {
    "automation/observation.py::_observe": "both callers (Instance.observe and the daemon's observe_due) pass "
    "only source assets that have observe=; Instance.observe refuses the rest with its own asserted message",
    "execution/dask_pool.py::DaskPool.submit": "the run loop closes the pool only after its last submit; a closed "
    "pool with no recorded error cannot be handed to a run through the public API",
    "execution/dask_pool.py::DaskPool._settle": "a task is cancelled only by another dask client acting on the "
    "cluster while the step runs: no deterministic way to cause it from Headwater",
    "execution/dask_pool.py::DaskPool._explain": "dask reports an errored task without an exception only on an "
    "internal dask failure",
}


@dataclass(frozen=True)
class Site:
    """One place in src that builds a user-facing error, and the literal text of its message."""

    path: str
    line: int
    function: str
    error: str
    chunks: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.path}::{self.function}"

    @property
    def fragments(self) -> tuple[str, ...]:
        """The chunks that must be found: every long one (any of them suffices), else the longest."""
        usable = [c for c in self.chunks if sum(ch.isalpha() for ch in c) >= MIN_LETTERS]
        long = [c for c in usable if len(c) >= DISTINCTIVE]
        if long:
            return tuple(long)
        return (max(usable, key=len),) if usable else ()


def _error_classes() -> set[str]:
    """Names of HeadwaterError and every class in src that derives from it (by name, transitively)."""
    bases: dict[str, set[str]] = {}
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                names = {_name(b) for b in node.bases}
                bases.setdefault(node.name, set()).update(n for n in names if n)
    found = {"HeadwaterError"}
    while True:
        more = {cls for cls, parents in bases.items() if parents & found} - found
        if not more:
            return found
        found |= more


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _strings(node: ast.AST) -> Iterator[str]:
    """The constant text inside a message expression: strings and the fixed parts of f-strings."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            yield sub.value


def _clean(chunks: Iterable[str]) -> tuple[str, ...]:
    """Chunks without the quotes and punctuation that join them to the run-time parts."""
    stripped = (c.strip(EDGE) for c in chunks)
    return tuple(dict.fromkeys(c for c in stripped if c))


def _message_arg(call: ast.Call, error: str) -> ast.expr | None:
    if error == "StepFailed":  # StepFailed(step_key, message)
        return call.args[1] if len(call.args) > 1 else None
    if error == "OidcRefused":  # OidcRefused(status, reason, message)
        return call.args[2] if len(call.args) > 2 else None
    if call.args:
        return call.args[0]
    for kw in call.keywords:
        if kw.arg == "message":
            return kw.value
    return None


class _Collector(ast.NodeVisitor):
    def __init__(self, path: str, tree: ast.Module, errors: set[str], factories: set[str]) -> None:
        self.path = path
        self.module = tree
        self.errors = errors
        self.factories = factories
        self.stack: list[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef] = []
        self.sites: list[Site] = []

    def _scope(self) -> str:
        return ".".join(n.name for n in self.stack) or "<module>"

    def _assigned(self, name: str) -> Iterator[ast.expr]:
        """Values assigned to ``name`` in the enclosing function, so ``raise E(message)`` finds its text."""
        scope = next((n for n in reversed(self.stack) if not isinstance(n, ast.ClassDef)), None)
        body: list[ast.stmt] = list(scope.body) if scope is not None else []
        for sub in [n for stmt in body for n in ast.walk(stmt)] + list(self.module.body):
            if isinstance(sub, ast.Assign):
                targets, value = sub.targets, sub.value
            elif isinstance(sub, ast.AnnAssign | ast.AugAssign) and sub.value is not None:
                targets, value = [sub.target], sub.value
            else:
                continue
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                yield value

    def _chunks(self, expr: ast.expr | None) -> tuple[str, ...]:
        if expr is None:
            return ()
        found = list(_strings(expr))
        for sub in ast.walk(expr):
            if isinstance(sub, ast.Name):
                for value in self._assigned(sub.id):
                    found.extend(_strings(value))
        return _clean(found)

    def _visit_scope(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        self.stack.append(node)
        self.generic_visit(node)
        self.stack.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _visit_scope

    def visit_Call(self, node: ast.Call) -> None:
        name = _name(node.func)
        is_click = name in CLICK_ERRORS and isinstance(node.func, ast.Attribute) and _name(node.func.value) == "click"
        if name in self.errors or is_click:
            chunks = self._chunks(_message_arg(node, name))
            self.sites.append(Site(self.path, node.lineno, self._scope(), name, chunks))
        self.generic_visit(node)

    def visit_Raise(self, node: ast.Raise) -> None:
        # ``raise self.fail(pos, "problem", "hint")``: a factory's literal arguments are the message
        if isinstance(node.exc, ast.Call) and _name(node.exc.func) in self.factories:
            chunks = _clean(c for a in node.exc.args for c in _strings(a))
            self.sites.append(Site(self.path, node.lineno, self._scope(), _name(node.exc.func), chunks))
        self.generic_visit(node)


def collect_sites() -> list[Site]:
    """Every place in src/headwater that builds a user-facing error."""
    errors = _error_classes()
    trees = {path: ast.parse(path.read_text()) for path in sorted(SRC.rglob("*.py"))}
    factories = {
        node.name
        for tree in trees.values()
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.returns is not None and _name(node.returns) in errors
    }
    sites: list[Site] = []
    for path, tree in trees.items():
        collector = _Collector(str(path.relative_to(SRC)), tree, errors, factories)
        collector.visit(tree)
        sites.extend(collector.sites)
    return sites


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def asserted_text() -> str:
    """The README and every string in the tests, whitespace folded, also with regex escapes undone."""
    strings = [(ROOT / "README.md").read_text()]
    for path in sorted(TESTS.rglob("*.py")):
        if path.resolve() != Path(__file__).resolve():
            strings.extend(_strings(ast.parse(path.read_text())))
    joined = "\n".join(strings)
    return _normal(joined + "\n" + re.sub(r"\\([^A-Za-z0-9])", r"\1", joined))


def is_asserted(site: Site, text: str) -> bool:
    """Whether some stretch of DISTINCTIVE characters of the message's literal text is in ``text``.

    A test asserts part of a message, often with the run-time values filled in, so any long enough
    stretch of one constant chunk counts; a message whose chunks are all shorter needs its longest.
    """
    for fragment in map(_normal, site.fragments):
        if len(fragment) <= DISTINCTIVE:
            if fragment in text:
                return True
        elif any(fragment[i : i + DISTINCTIVE] in text for i in range(len(fragment) - DISTINCTIVE + 1)):
            return True
    return False


def unasserted(sites: list[Site]) -> list[Site]:
    text = asserted_text()
    return [s for s in sites if s.fragments and s.key not in UNREACHABLE and not is_asserted(s, text)]


def runtime_only(sites: list[Site]) -> list[Site]:
    return [s for s in sites if not s.fragments]


def test_the_collector_finds_the_error_tree() -> None:
    sites = collect_sites()
    kinds = {s.error for s in sites}
    assert {"DefinitionError", "SelectionError", "ConfigError", "StorageError", "UsageError"} <= kinds
    assert len(sites) > 200


def test_a_message_no_test_mentions_is_reported() -> None:
    text = _normal("assert str(exc) == \"partition 'x' is not a partition of asset 'sales'\"")
    partly = Site("x.py", 1, "f", "SelectionError", ("prefix nobody wrote is not a partition of asset",))
    never = Site("x.py", 1, "f", "SelectionError", ("a sentence that this text does not hold",))
    short = Site("x.py", 1, "f", "SelectionError", ("not a partition",))
    assert is_asserted(partly, text)  # a long enough stretch of the message is found
    assert not is_asserted(never, text)
    assert is_asserted(short, text)
    assert "a sentence that this" not in asserted_text()  # this file is not part of what is searched


def test_messages_built_at_run_time_are_listed_with_a_reason() -> None:
    keys = {s.key for s in runtime_only(collect_sites())}
    assert sorted(keys - RUNTIME_ONLY.keys()) == []
    assert sorted(RUNTIME_ONLY.keys() - keys) == [], "stale entries in RUNTIME_ONLY"


def test_unreachable_entries_still_exist_and_are_unasserted() -> None:
    sites = collect_sites()
    assert sorted(UNREACHABLE.keys() - {s.key for s in sites}) == []
    text = asserted_text()
    still_unasserted = {s.key for s in sites if s.fragments and not is_asserted(s, text)}
    assert sorted(UNREACHABLE.keys() - still_unasserted) == [], "now asserted by a test: remove from UNREACHABLE"


def test_every_error_message_is_asserted() -> None:
    missing = [f"src/headwater/{s.path}:{s.line} {s.error}: {s.fragments[0]!r}" for s in unasserted(collect_sites())]
    assert missing == [], "\n".join(missing)


if __name__ == "__main__":
    all_sites = collect_sites()
    for site in unasserted(all_sites):
        print(f"src/headwater/{site.path}:{site.line} {site.error} [{site.function}]: {site.fragments[0]!r}")
    for site in runtime_only(all_sites):
        print(f"run time only: src/headwater/{site.path}:{site.line} {site.error} [{site.function}]")
    print(f"{len(unasserted(all_sites))} unasserted of {len(all_sites)} sites", file=sys.stderr)
