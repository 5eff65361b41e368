"""Tab completion (bash, zsh, fish) through the shells' own protocol, at no start-up cost."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# As the installed `certcli` script runs: the program name picks _CERTCLI_COMPLETE.
RUN = "import sys; sys.argv[0] = 'certcli'; from certcli.cli import main; main()"


def _bash(words: str, cword: int) -> list[str]:
    env = {
        **os.environ,
        "_CERTCLI_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(cword),
    }
    done = subprocess.run(
        [sys.executable, "-c", RUN], env=env, capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_bash_completes_nouns_and_the_verbs_of_a_lazily_loaded_noun():
    assert _bash("certcli dos", 1) == ["dossier"]
    assert set(_bash("certcli c", 1)) >= {
        "candidate",
        "commission",
        "certificate",
        "cqpt",
        "completion",
    }
    # `dossier` is imported only when used: completion loads it to list its verbs.
    assert _bash("certcli dossier sh", 2) == ["show"]
    assert {"add", "receive", "check", "interview"} <= set(_bash("certcli dossier ", 2))
    assert "--unpaid" in _bash("certcli invoice list --u", 3)


def test_zsh_and_fish_answer_with_descriptions(cli):
    zsh = cli.runner.invoke(
        cli_app(),
        [],
        env={"_CERTCLI_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "certcli commission "},
    )
    assert zsh.exit_code == 0 and '"plan":' in zsh.stdout and '"decide":' in zsh.stdout
    fish = cli.runner.invoke(
        cli_app(),
        [],
        env={
            "_CERTCLI_COMPLETE": "complete_fish",
            "_TYPER_COMPLETE_ARGS": "certcli renew",
            "_TYPER_COMPLETE_FISH_ACTION": "get-args",
        },
    )
    assert fish.exit_code == 0 and fish.stdout.startswith("renewals\t")


def cli_app():
    from certcli.cli import app

    return app


def test_show_prints_each_shells_script(cli):
    bash = cli.ok("completion", "show", "--shell", "bash").stdout
    assert "_CERTCLI_COMPLETE=complete_bash" in bash and "complete -o default" in bash
    assert (
        "compdef _certcli_completion certcli"
        in cli.ok("completion", "show", "--shell", "zsh").stdout
    )
    assert "complete --command certcli" in cli.ok("completion", "show", "--shell", "fish").stdout
    cli.fails("completion", "show", "--shell", "tcsh", code=2)


def test_install_writes_the_script_once_in_the_users_files(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    said = cli.ok("completion", "install", "--shell", "bash").stdout
    script = tmp_path / ".bash_completions" / "certcli.sh"
    assert said == f"bash completion installed in {script}; open a new terminal to use it.\n"
    assert "_CERTCLI_COMPLETE" in script.read_text()
    cli.ok("completion", "install", "--shell", "bash")
    assert (tmp_path / ".bashrc").read_text().count(f"source '{script}'") == 1
    cli.ok("completion", "install", "--shell", "fish")
    assert (tmp_path / ".config/fish/completions/certcli.fish").is_file()
    cli.ok("completion", "install", "--shell", "zsh")
    assert "compinit" in (tmp_path / ".zshrc").read_text()
    assert (tmp_path / ".zfunc" / "_certcli").is_file()


def test_install_without_shell_uses_the_detected_one_or_asks(cli, tmp_path, monkeypatch):
    import shellingham

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(shellingham, "detect_shell", lambda: ("fish", "/usr/bin/fish"))
    assert "fish completion installed" in cli.ok("completion", "install").stdout
    monkeypatch.setattr(shellingham, "detect_shell", lambda: ("tcsh", "/bin/tcsh"))
    assert cli.fails("completion", "install").stderr == (
        "Error: your shell is tcsh: pass --shell bash, zsh or fish\n"
    )


def test_other_commands_pay_nothing_for_completion():
    probe = (
        "import sys; sys.argv = ['certcli', 'scheme', 'list', '--json']\n"
        "from certcli.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "from typer._click import shell_completion\n"
        "print('certcli.cli.completion' in sys.modules, "
        "bool(shell_completion._available_shells), file=sys.stderr)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.stderr.split() == ["False", "False"], done.stderr
