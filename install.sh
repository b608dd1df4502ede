#!/bin/sh
# install.sh — install gantry's build dependencies, or build and install it.
# Run with --help for the options. Safe to run again: it only adds what is
# missing and replaces what it installed before.
set -eu

PACKAGES="libgit2-dev libyaml-dev libjansson-dev libcurl4-openssl-dev \
libpcre2-dev libmicrohttpd-dev libssl-dev libarchive-dev libcrypt-dev zlib1g-dev tzdata \
pkg-config bats bats-assert bats-support curl jq git"

usage() {
	cat <<'USAGE'
usage: install.sh --deps
       install.sh [--prefix DIR] [--no-build]

  --deps          install the Debian packages gantry builds and tests with,
                  when any is missing (apt-get, through sudo when not root;
                  on a system without apt-get, print the list and exit 1)
  --prefix DIR    where to install (default /usr/local):
                    DIR/bin/gantry (and DIR/bin/kubesim when built)
                    DIR/share/man/man1, man5   the man pages
                    DIR/share/gantry/templates the built-in charts
                    DIR/share/gantry/overlays  the built-in overlays
                    DIR/share/gantry/deploy    gantry sync's in-cluster manifests
  --no-build      install what is already built instead of running make
  -h, --help      show this help

Environment: BUILD, the build directory (default build).
USAGE
}

die() {
	echo "install.sh: $*" >&2
	exit 1
}

install_deps() {
	if ! command -v apt-get >/dev/null 2>&1 ||
	   ! command -v dpkg-query >/dev/null 2>&1; then
		echo "install.sh: this system has no apt-get; install these" \
		     "packages (or your system's equivalents) by hand:" >&2
		echo "  $PACKAGES" >&2
		exit 1
	fi
	missing=""
	for p in $PACKAGES; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		     grep -q "install ok installed"; then
			missing="$missing $p"
		fi
	done
	if [ -z "$missing" ]; then
		echo "install.sh: every dependency is installed"
		return 0
	fi
	sudo=""
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null 2>&1 ||
			die "not root and no sudo: install as root:$missing"
		sudo=sudo
	fi
	echo "install.sh: installing:$missing"
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q ||
		die "apt-get update failed"
	# shellcheck disable=SC2086 # the list is meant to split
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends $missing ||
		die "apt-get install failed"
}

install_tree() { # SRC DEST: DEST becomes a copy of SRC, nothing left over
	rm -rf "$2"
	mkdir -p "$2"
	cp -R "$1"/. "$2"/
	find "$2" -name .gitkeep -delete
}

install_gantry() {
	top=$(cd "$(dirname "$0")" && pwd)
	build=${BUILD:-build}
	case $build in /*) ;; *) build="$top/$build" ;; esac
	if [ "$no_build" -eq 0 ]; then
		make -C "$top" BUILD="$build" "$build/gantry" >/dev/null ||
			die "the build failed (try: ./install.sh --deps)"
	fi
	[ -x "$build/gantry" ] || die "$build/gantry is not built (run make)"

	mkdir -p "$prefix/bin" "$prefix/share/man/man1" "$prefix/share/man/man5" \
		"$prefix/share/gantry" || die "cannot create directories in $prefix"
	install -m 0755 "$build/gantry" "$prefix/bin/gantry"
	if [ -x "$build/kubesim" ]; then
		install -m 0755 "$build/kubesim" "$prefix/bin/kubesim"
	fi
	for page in "$top"/man/*.1 "$top"/man/*.5; do
		[ -f "$page" ] || continue
		section=${page##*.}
		install -m 0644 "$page" "$prefix/share/man/man$section/"
	done
	install_tree "$top/templates" "$prefix/share/gantry/templates"
	install_tree "$top/overlays" "$prefix/share/gantry/overlays"
	install_tree "$top/deploy" "$prefix/share/gantry/deploy"
	echo "install.sh: installed gantry in $prefix"
}

prefix=/usr/local
deps=0
no_build=0
while [ $# -gt 0 ]; do
	case $1 in
	--deps) deps=1 ;;
	--prefix)
		[ $# -ge 2 ] || die "--prefix needs a directory"
		prefix=$2
		shift
		;;
	--prefix=*) prefix=${1#--prefix=} ;;
	--no-build) no_build=1 ;;
	-h | --help)
		usage
		exit 0
		;;
	*)
		echo "install.sh: unknown option '$1'" >&2
		usage >&2
		exit 1
		;;
	esac
	shift
done

if [ "$deps" -eq 1 ]; then
	install_deps
else
	[ -n "$prefix" ] || die "--prefix needs a directory"
	install_gantry
fi
