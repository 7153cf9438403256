#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""ctest packaging.recipe-files: packaging/yocto/statebus_git.bb against what `cmake --install`
really lays out. Every installed file must be claimed by exactly one package's FILES (none:
bitbake's installed-vs-shipped QA error; two: the later package silently loses it), with
bitbake.conf's default packages and FILES (${PN}-doc takes ${docdir} and ${mandir}, ${PN}
${bindir}/* and ${datadir}/${BPN}, ...) and its first-match-wins order
(PACKAGES = "${PN}-src ${PN}-dbg ${PN}-staticdev ${PN}-dev ${PN}-doc ${PN}-locale
${PACKAGE_BEFORE_PN} ${PN}"). Also: LIC_FILES_CHKSUM matches LICENSE (in the tree, and at the
pinned SRCREV when the history has it), SRCREV is pinned, Werror is off, and every -D of a
PACKAGECONFIG is a real cache option of the CMake project.

  check-recipe-files.py --recipe R --destdir D --source-dir S   check an install tree
  check-recipe-files.py ... --self-test                          also prove it fails when a file
                                                                 is left unpackaged or claimed twice
"""

import argparse
import hashlib
import os
import re
import subprocess
import sys

# Yocto's paths as an OpenBMC image has them (usrmerge: /lib is /usr/lib); the install tree must
# be made with the same (cmake --install --prefix /usr, units under lib/systemd/system).
PATHS = {
    "prefix": "/usr", "exec_prefix": "/usr", "base_prefix": "",
    "bindir": "/usr/bin", "sbindir": "/usr/sbin", "libexecdir": "/usr/libexec",
    "libdir": "/usr/lib", "includedir": "/usr/include", "datadir": "/usr/share",
    "docdir": "/usr/share/doc", "mandir": "/usr/share/man", "infodir": "/usr/share/info",
    "sysconfdir": "/etc", "localstatedir": "/var", "sharedstatedir": "/com",
    "base_bindir": "/usr/bin", "base_sbindir": "/usr/sbin", "base_libdir": "/usr/lib",
    "nonarch_base_libdir": "/usr/lib", "systemd_system_unitdir": "/usr/lib/systemd/system",
    "systemd_unitdir": "/usr/lib/systemd",
    "SOLIBS": ".so.*", "SOLIBSDEV": ".so", "PN": "statebus", "BPN": "statebus",
}

# bitbake.conf (poky meta/conf/bitbake.conf): the default packages' FILES.
DEFAULT_FILES = {
    "${PN}-src": "/usr/src/debug",
    "${PN}-dbg": "/usr/lib/debug /usr/lib/debug-static",
    "${PN}-staticdev": "${libdir}/*.a ${base_libdir}/*.a ${libdir}/${BPN}/*.a",
    "${PN}-dev": "${includedir} ${base_libdir}/lib*${SOLIBSDEV} ${libdir}/lib*${SOLIBSDEV} "
                 "${libdir}/*.la ${libdir}/*.o ${libdir}/pkgconfig ${datadir}/pkgconfig "
                 "${datadir}/aclocal ${base_libdir}/*.o ${libdir}/${BPN}/*.la ${base_libdir}/*.la "
                 "${libdir}/cmake ${datadir}/cmake",
    "${PN}-doc": "${docdir} ${mandir} ${infodir} ${datadir}/gtk-doc ${datadir}/gnome/help",
    "${PN}-locale": "${datadir}/locale",
    "${PN}": "${bindir}/* ${sbindir}/* ${libexecdir}/* ${libdir}/lib*${SOLIBS} ${sysconfdir} "
             "${sharedstatedir} ${localstatedir} ${base_bindir}/* ${base_sbindir}/* "
             "${base_libdir}/*${SOLIBS} ${base_prefix}/lib/udev ${prefix}/lib/udev "
             "${base_libdir}/udev ${libdir}/udev ${datadir}/${BPN} ${libdir}/${BPN}/* "
             "${datadir}/pixmaps ${datadir}/applications ${datadir}/idl ${datadir}/omf "
             "${datadir}/sounds ${libdir}/bonobo/servers",
}
PACKAGES = ("${PN}-src ${PN}-dbg ${PN}-staticdev ${PN}-dev ${PN}-doc ${PN}-locale "
            "${PACKAGE_BEFORE_PN} ${PN}")

ASSIGN = re.compile(r'^([A-Za-z_][\w${}\-:\[\]]*)\s*(\?\?=|\?=|\+=|=\+|=)\s*"(.*)"\s*$', re.S)


def parse_recipe(text):
    """The recipe's assignments: {name: value}, += and :append folded in, python blocks skipped."""
    logical, buf, in_python = [], "", False
    for line in text.splitlines():
        if in_python:
            in_python = not line.startswith("}")
            continue
        if re.match(r"^(python\s+)?[\w:${}\-]+\s*\(\)\s*\{", line):
            in_python = True
            continue
        if line.rstrip().endswith("\\"):
            buf += line.rstrip()[:-1] + " "
            continue
        logical.append(buf + line)
        buf = ""
    out = {}
    for line in logical:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = ASSIGN.match(line.strip())
        if not m:
            continue
        name, op, value = m.group(1), m.group(2), " ".join(m.group(3).split())
        append = op == "+=" or name.endswith(":append")
        name = name[:-len(":append")] if name.endswith(":append") else name
        if op in ("?=", "??=") and name in out:
            continue
        if append and name in out:
            out[name] = (out[name] + " " + value).strip()
        elif op == "=+" and name in out:
            out[name] = (value + " " + out[name]).strip()
        else:
            out[name] = value
    return out


def expand(value, variables, depth=0):
    if "${@" in value:
        raise ValueError(f"inline python in {value!r}: the check cannot evaluate it")
    if depth > 10:
        raise ValueError(f"recursive expansion in {value!r}")
    new = re.sub(r"\$\{([\w\-]+)\}", lambda m: variables.get(m.group(1), m.group(0)), value)
    return new if new == value else expand(new, variables, depth + 1)


def glob_regex(pattern):
    """glob(3) as bitbake's FILES use it: * and ? never cross a '/'."""
    out = ""
    for ch in pattern:
        out += "[^/]*" if ch == "*" else "[^/]" if ch == "?" else re.escape(ch)
    return re.compile(out + r"\Z")


def claims(pattern, path):
    """A FILES entry claims a path it matches, or everything under a directory it matches."""
    rx = glob_regex(pattern)
    parts = path.split("/")
    return any(rx.match("/".join(parts[:i])) for i in range(2, len(parts) + 1))


def packages_and_files(recipe):
    variables = dict(PATHS)
    variables.update({k: v for k, v in recipe.items() if re.match(r"^[\w\-]+$", k)})
    packages = expand(PACKAGES, variables).split()
    files = {}
    for pkg in packages:
        raw_names = [n for n in recipe if n.startswith("FILES:") and
                     expand(n[len("FILES:"):], variables) == pkg]
        value = " ".join(recipe[n] for n in raw_names) if raw_names else None
        default = next((v for k, v in DEFAULT_FILES.items() if expand(k, variables) == pkg), "")
        if value is None:
            value = default
        files[pkg] = [expand(p, variables) for p in value.split()]
    return packages, files, variables


def check_files(installed, recipe):
    """Errors and notes for a list of installed paths ("/usr/bin/x") against the recipe."""
    errors, notes = [], []
    packages, files, _ = packages_and_files(recipe)
    owner = {}
    for path in sorted(installed):
        pkgs = [p for p in packages if any(claims(pat, path) for pat in files[p])]
        if not pkgs:
            errors.append(f"{path}: installed but in no package (installed-vs-shipped)")
        elif len(pkgs) > 1:
            errors.append(f"{path}: claimed by {len(pkgs)} packages' FILES: {', '.join(pkgs)} "
                          f"({pkgs[0]} gets it, the others silently not)")
        else:
            owner[path] = pkgs[0]
    recipe_pkgs = {expand(n[len("FILES:"):], packages_and_files(recipe)[2])
                   for n in recipe if n.startswith("FILES:")}
    for pkg in packages:
        if pkg not in recipe_pkgs:
            continue
        for pat in files[pkg]:
            if not any(claims(pat, p) for p in installed):
                notes.append(f"{pkg}: {pat} matches nothing in this install (an option off?)")
    return errors, notes, owner


def md5(data):
    return hashlib.md5(data).hexdigest()


def check_recipe(recipe, source_dir):
    errors, notes = [], []
    lic = recipe.get("LIC_FILES_CHKSUM", "")
    m = re.match(r"^file://([^;]+);md5=([0-9a-f]{32})$", lic)
    if not m or "COMMON_LICENSE_DIR" in lic:
        errors.append(f"LIC_FILES_CHKSUM {lic!r}: not file://<the project's file>;md5=...")
    else:
        path = os.path.join(source_dir, m.group(1))
        if not os.path.exists(path):
            errors.append(f"LIC_FILES_CHKSUM: {m.group(1)} is not in the source tree")
        elif md5(open(path, "rb").read()) != m.group(2):
            errors.append(f"LIC_FILES_CHKSUM: md5 of {m.group(1)} is "
                          f"{md5(open(path, 'rb').read())}, the recipe says {m.group(2)}")
    srcrev = recipe.get("SRCREV", "")
    if not re.fullmatch(r"[0-9a-f]{40}", srcrev):
        errors.append(f"SRCREV {srcrev!r}: not a pinned 40-hex commit")
    elif m:
        r = subprocess.run(["git", "-C", source_dir, "show", f"{srcrev}:{m.group(1)}"],
                           capture_output=True, check=False)
        if r.returncode != 0:
            notes.append(f"SRCREV {srcrev[:12]} is not in this clone's history: its LICENSE "
                         "checksum is not checked (shallow clone or rewritten history)")
        elif md5(r.stdout) != m.group(2):
            errors.append(f"LIC_FILES_CHKSUM does not match LICENSE at SRCREV {srcrev[:12]}")
    if "AUTOREV" in " ".join(recipe.values()):
        errors.append("AUTOREV in the recipe: an image must rebuild the same")
    if "-DSTATEBUS_WERROR=OFF" not in recipe.get("EXTRA_OECMAKE", ""):
        errors.append("EXTRA_OECMAKE does not turn STATEBUS_WERROR off for the cross build")
    cmake_text = ""
    for d, _, names in os.walk(source_dir):
        if os.path.relpath(d, source_dir).split(os.sep)[0].startswith(("build", ".git")):
            continue
        for n in names:
            if n == "CMakeLists.txt":
                cmake_text += open(os.path.join(d, n), encoding="utf-8").read()
    for name, value in recipe.items():
        if not name.startswith("PACKAGECONFIG["):
            continue
        fields = value.split(",")
        flags = re.findall(r"-D(\w+)=", ",".join(fields[:2]))
        if len(flags) < 2 or flags[0] != flags[1]:
            errors.append(f"{name}: wants -DOPT=ON,-DOPT=OFF (one option switched both ways)")
        for opt in set(flags):
            if not re.search(rf"option\(\s*{opt}\b|set\(\s*{opt}\b[^)]*\bCACHE\b",
                             cmake_text):
                errors.append(f"{name}: {opt} is not a CMake cache option of the project")
    return errors, notes


def installed_paths(destdir):
    out = []
    for d, _, names in os.walk(destdir):
        for n in names:
            out.append("/" + os.path.relpath(os.path.join(d, n), destdir))
    return out


def self_test(installed, recipe, recipe_text):
    """The check must fail when a file is left unpackaged, or claimed twice."""
    ok = True
    errors, _, _ = check_files(installed + ["/usr/libexec/statebus/new-helper"], recipe)
    if not any("/usr/libexec/statebus/new-helper: installed but in no package" in e
               for e in errors):
        print("self-test FAILED: an unpackaged file was not reported")
        ok = False
    else:
        print("self-test: an unpackaged file is reported: ok")
    errors, _, _ = check_files(installed + ["/usr/lib/systemd/system/statebus-new.service"],
                               recipe)
    if not any("statebus-new.service: installed but in no package" in e for e in errors):
        print("self-test FAILED: an unpackaged unit was not reported")
        ok = False
    else:
        print("self-test: an unpackaged unit is reported: ok")
    twice = parse_recipe(recipe_text.replace(
        "${bindir}/statebusctl \\", "${bindir}/statebusctl ${mandir}/man1/statebusctl.1 \\"))
    errors, _, _ = check_files(installed, twice)
    if not any("statebusctl.1: claimed by 2 packages" in e for e in errors):
        print("self-test FAILED: a file claimed by two packages was not reported")
        ok = False
    else:
        print("self-test: a file claimed by two packages is reported: ok")
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--recipe", required=True)
    ap.add_argument("--destdir", required=True, help="a DESTDIR of cmake --install --prefix /usr")
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args()
    recipe_text = open(args.recipe, encoding="utf-8").read()
    recipe = parse_recipe(recipe_text)
    installed = installed_paths(args.destdir)
    if not installed:
        print(f"nothing installed under {args.destdir}")
        return 1
    errors, notes, owner = check_files(installed, recipe)
    more_errors, more_notes = check_recipe(recipe, args.source_dir)
    errors += more_errors
    notes += more_notes
    for path in sorted(owner):
        print(f"  {owner[path]:<24} {path}")
    for n in notes:
        print(f"note: {n}")
    for e in errors:
        print(f"ERROR: {e}")
    print(f"{len(installed)} installed files, {len(owner)} in exactly one package, "
          f"{len(errors)} errors")
    ok = not errors
    if args.self_test:
        ok = self_test(installed, recipe, recipe_text) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
