#!/bin/sh
# Install or update the kiosk on a Debian 12 terminal (docs/deploy.md).
#
#   sudo sh deploy/install.sh --package dist/kiosk --config kiosk-K017.toml
#
# Options:
#   --package DIR    the one-folder build (`make package`: dist/kiosk); default: dist/kiosk
#                    next to this folder
#   --config FILE    the terminal's TOML; installed as /etc/kiosk/kiosk.toml (the old one is
#                    kept as kiosk.toml.old). Without it an existing file is kept.
#   --display MODE   auto (default), eglfs, linuxfb or x11; auto = eglfs when the package's
#                    eglfs_kms plugin can load, else linuxfb
#   --restart        restart a running kiosk now (interrupts a visit in progress)
#   --no-apt         do not install Debian packages (they must already be there)
#   --no-start       install and enable, but start nothing
#   --root DIR       install into DIR instead of / (an image, or the tests): no apt, no
#                    config check, nothing started; units enabled with systemctl --root
set -eu

here=$(cd "$(dirname "$0")" && pwd)
package="$here/../dist/kiosk"
config=""
display=auto
restart=0
use_apt=1
start=1
root=""

die() { echo "install.sh: $*" >&2; exit 1; }
say() { echo "install.sh: $*"; }

while [ "$#" -gt 0 ]; do
    case "$1" in
        --package) package=${2:?--package needs a folder}; shift 2 ;;
        --config) config=${2:?--config needs a file}; shift 2 ;;
        --display) display=${2:?--display needs a mode}; shift 2 ;;
        --restart) restart=1; shift ;;
        --no-apt) use_apt=0; shift ;;
        --no-start) start=0; shift ;;
        --root) root=${2:?--root needs a folder}; shift 2 ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
done

case "$display" in auto|eglfs|linuxfb|x11) ;; *) die "--display: auto, eglfs, linuxfb or x11" ;; esac
if [ -n "$root" ]; then
    mkdir -p "$root"
    root=$(cd "$root" && pwd)
    use_apt=0
    start=0
elif [ "$(id -u)" != 0 ]; then
    die "run as root (sudo sh $0 ...)"
fi
[ -x "$package/kiosk" ] || die "$package/kiosk is missing: build it with 'make package' or pass --package"
[ -z "$config" ] || [ -f "$config" ] || die "--config: $config is not a file"

systemctl_() { if [ -n "$root" ]; then systemctl --root="$root" "$@"; else systemctl "$@"; fi; }

# ---- a kiosk never has the virtual reader: it would accept cards from the network ----------
if [ -e "$root/usr/lib/pcsc/drivers/serial/libifdvpcd.so" ] || [ -e "$root/etc/reader.conf.d/vpcd" ]; then
    die "vsmartcard-vpcd (a virtual card reader for tests) is installed; remove it first: apt-get purge vsmartcard-vpcd"
fi

# ---- Debian packages -----------------------------------------------------------------------
packages_of() { grep -v '^[[:space:]]*#' "$1" | grep -v '^[[:space:]]*$'; }
if [ "$use_apt" = 1 ]; then
    wanted=$(packages_of "$here/terminal-packages.txt")
    [ "$display" != x11 ] || wanted="$wanted $(packages_of "$here/x11-packages.txt")"
    say "installing Debian packages (no recommends: no desktop comes along)"
    # shellcheck disable=SC2086 # a list of package names
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $wanted
    systemctl enable --now pcscd.socket
fi

# ---- the kiosk user and its folders --------------------------------------------------------
install -D -m 0644 "$here/sysusers.d/kiosk.conf" "$root/etc/sysusers.d/kiosk.conf"
install -D -m 0644 "$here/tmpfiles.d/kiosk.conf" "$root/etc/tmpfiles.d/kiosk.conf"
systemd-sysusers --root="${root:-/}" "$root/etc/sysusers.d/kiosk.conf"
systemd-tmpfiles --root="${root:-/}" --create "$root/etc/tmpfiles.d/kiosk.conf"

# ---- the package: a new folder swapped in whole, the previous one kept for a rollback -------
rm -rf "$root/opt/kiosk.new"
mkdir -p "$root/opt"
cp -a "$package" "$root/opt/kiosk.new"
[ -n "$root" ] || chown -R root:root /opt/kiosk.new
chmod -R go-w "$root/opt/kiosk.new"
if [ -d "$root/opt/kiosk" ]; then
    rm -rf "$root/opt/kiosk.previous"
    mv "$root/opt/kiosk" "$root/opt/kiosk.previous"
fi
mv "$root/opt/kiosk.new" "$root/opt/kiosk"
say "package installed in /opt/kiosk$( [ -d "$root/opt/kiosk.previous" ] && echo ' (previous: /opt/kiosk.previous)')"

# ---- configuration and the data key --------------------------------------------------------
etc="$root/etc/kiosk"
if [ -n "$config" ]; then
    [ ! -f "$etc/kiosk.toml" ] || cp -p "$etc/kiosk.toml" "$etc/kiosk.toml.old"
    install -m 0640 "$config" "$etc/kiosk.toml"
fi
if [ ! -f "$etc/kiosk.toml" ]; then
    example=$(find "$root/opt/kiosk" -name kiosk.example.toml -print -quit)
    [ -n "$example" ] && install -m 0640 "$example" "$etc/kiosk.toml.example"
    die "no /etc/kiosk/kiosk.toml: write one (example: /etc/kiosk/kiosk.toml.example) and run again with --config"
fi
[ -n "$root" ] || chown root:kiosk "$etc/kiosk.toml"

# What the units allow the kiosk to write is fixed: say so if the config wants elsewhere.
setting() { sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*\"\\([^\"]*\\)\".*/\\1/p" "$etc/kiosk.toml" | head -n 1; }
[ "$(setting data_dir)" = /var/lib/kiosk ] || say "WARNING: storage.data_dir should be \"/var/lib/kiosk\" (the only data folder the kiosk may write)"
logdir=$(setting dir)
[ -z "$logdir" ] || [ "$logdir" = /var/log/kiosk ] || say "WARNING: logging.dir should be \"/var/log/kiosk\""
keyfile=$(setting key_file)
keyfile=${keyfile:-/etc/kiosk/data.key}
if [ ! -f "$root$keyfile" ]; then
    # /etc is read-only for the kiosk (ProtectSystem=strict): the key is made here, once.
    mkdir -p "$(dirname "$root$keyfile")"
    (umask 077 && head -c 32 /dev/urandom > "$root$keyfile.tmp")
    [ -n "$root" ] || chown kiosk:kiosk "$root$keyfile.tmp"
    chmod 0400 "$root$keyfile.tmp"
    mv "$root$keyfile.tmp" "$root$keyfile"
    say "created the data key $keyfile (it only ever decrypts this terminal's queue)"
fi
if [ -z "$root" ]; then
    runuser -u kiosk -- /opt/kiosk/kiosk --config /etc/kiosk/kiosk.toml --check-config \
        || die "the configuration is not valid (message above); nothing enabled"
fi

# ---- units, the display variant, lock-down drop-ins ----------------------------------------
units="$root/etc/systemd/system"
for f in kiosk.service kiosk-retention.service kiosk-retention.timer; do
    install -D -m 0644 "$here/systemd/$f" "$units/$f"
done
if [ "$display" = auto ]; then
    plugin=$(find "$root/opt/kiosk" -name libqeglfs-kms-integration.so -print -quit)
    if [ -n "$plugin" ] && ! ldd "$plugin" 2>/dev/null | grep -q "not found"; then
        display=eglfs
    else
        display=linuxfb  # e.g. the PySide6 wheels: no libQt6EglFsKmsGbmSupport.so.6
    fi
fi
mkdir -p "$units/kiosk.service.d"
rm -f "$units/kiosk.service.d/display-linuxfb.conf" "$units/kiosk.service.d/display-x11.conf"
if [ "$display" != eglfs ]; then
    install -m 0644 "$here/systemd/display-$display.conf" "$units/kiosk.service.d/display-$display.conf"
fi
if [ "$display" = x11 ]; then
    install -D -m 0755 "$here/x11/x11-session" "$root/usr/local/libexec/kiosk/x11-session"
    install -D -m 0644 "$here/x11/10-kiosk.conf" "$root/etc/X11/xorg.conf.d/10-kiosk.conf"
fi
say "display: $display"
install -D -m 0644 "$here/journald/kiosk.conf" "$root/etc/systemd/journald.conf.d/kiosk.conf"
install -D -m 0644 "$here/sysctl.d/90-kiosk.conf" "$root/etc/sysctl.d/90-kiosk.conf"
if [ -f "$here/../docs/deploy.md" ]; then
    install -D -m 0644 "$here/../docs/deploy.md" "$root/usr/local/share/doc/kiosk/deploy.md"
fi

# No way out: no login prompt on tty1, no reboot by Ctrl+Alt+Del, no desktop.
systemctl_ mask getty@tty1.service ctrl-alt-del.target
if [ -e "$root/etc/systemd/system/display-manager.service" ]; then
    say "WARNING: a display manager (desktop login) is installed; disable it: systemctl disable display-manager"
fi
systemctl_ enable kiosk.service kiosk-retention.timer
systemctl_ set-default multi-user.target >/dev/null 2>&1 \
    || say "WARNING: could not make multi-user.target (no desktop) the default target"

if [ "$start" = 1 ]; then
    systemctl daemon-reload
    systemctl restart systemd-journald
    sysctl -q -p /etc/sysctl.d/90-kiosk.conf || true
    systemctl start kiosk-retention.timer
    if systemctl is-active -q kiosk.service; then
        if [ "$restart" = 1 ]; then
            systemctl restart kiosk.service
        else
            say "the kiosk is running the previous version until it restarts: the platform's restart command, 'systemctl restart kiosk' (interrupts a visit) or the next boot"
        fi
    else
        systemctl start kiosk.service
    fi
    systemctl --no-pager --lines=0 status kiosk.service || true
fi
say "done"
