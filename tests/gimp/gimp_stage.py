"""gimp_stage.py: what gimp-test.py and gimp-undo-test.py share: a fresh
work folder, the ok/FAIL checks and the exit status, and the staging of the
built plug-in for a test GIMP.

WORK/plug-ins/corolization/ gets the executable (as corolization, the name
GIMP 3 wants) and, when a po build folder is given, its catalogues in
locale/LANG/LC_MESSAGES/corolization.mo, and its Help page in help/en/ when
the build made it (plug-in/help/). WORK/home/gimprc puts that folder
on the plug-in path after the system one (Script-Fu is a plug-in too).
Run GIMP with HOME=WORK/home and --gimprc WORK/home/gimprc, so the user's
config is never touched."""
import os
import shutil
import sys

failures = []
HELP_MAP = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        '..', '..', 'plug-in', 'help', 'en', 'gimp-help.xml')


def fresh_work(path):
    """An empty work folder at path (its old contents removed); its absolute path."""
    work = os.path.abspath(path)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    return work


def check(name, ok, detail=''):
    """Prints ok/FAIL with the measured detail; returns ok."""
    print(('ok   ' if ok else 'FAIL ') + name + (': ' + detail if detail else ''), flush=True)
    if not ok:
        failures.append(name)
    return ok


def finish():
    """Exits 1 if any check failed, else 0."""
    print(f'{len(failures)} failed: {failures}' if failures else 'all passed', flush=True)
    sys.exit(1 if failures else 0)


def stage_plugin(work, plugin, v3, mo_dir=None):
    """Returns (plug-in folder, HOME)."""
    plugdir = f'{work}/plug-ins/corolization'
    os.makedirs(plugdir)
    shutil.copy(plugin, f'{plugdir}/corolization')
    for lang in os.listdir(mo_dir) if mo_dir else []:
        # meson builds corolization-LANG.mo and renames it on install
        for mo in (f'{mo_dir}/{lang}/LC_MESSAGES/corolization-{lang}.mo',
                   f'{mo_dir}/{lang}/LC_MESSAGES/corolization.mo'):
            if os.path.isfile(mo):
                os.makedirs(f'{plugdir}/locale/{lang}/LC_MESSAGES')
                shutil.copy(mo, f'{plugdir}/locale/{lang}/LC_MESSAGES/corolization.mo')
                break
    # The Help page (built beside the executable) and its map, as installed.
    page = os.path.join(os.path.dirname(os.path.abspath(plugin)), "..", "help", "index.html")
    if os.path.isfile(page):
        os.makedirs(f'{plugdir}/help/en')
        shutil.copy(page, f'{plugdir}/help/en/index.html')
        shutil.copy(HELP_MAP, f'{plugdir}/help/en/gimp-help.xml')
    home = f'{work}/home'
    os.makedirs(home)
    sysplug = '/usr/lib/x86_64-linux-gnu/gimp/3.0/plug-ins' if v3 else '/usr/lib/gimp/2.0/plug-ins'
    with open(f'{home}/gimprc', 'w') as f:
        f.write(f'(plug-in-path "{sysplug}:{work}/plug-ins")\n')
    return plugdir, home
