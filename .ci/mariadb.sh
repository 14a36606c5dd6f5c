#!/usr/bin/env bash
# Start (or reuse) a MariaDB for the MySQL-backed tests and print the line that
# points them at it:
#
#   eval "$(.ci/mariadb.sh)"     # sets HCGW_TEST_MYSQL_DSN
#
# On a fresh Debian machine, as root: installs mariadb-server if mariadbd is
# missing, initialises a data directory of its own (not the distribution's
# /var/lib/mysql), starts mariadbd bound to 127.0.0.1 (no systemd needed), and
# makes user hcgw/hcgw with every privilege (tests create and drop databases)
# and database hcgw. Idempotent: when a server already answers on the port it
# only makes sure the user and the database exist.
#
# Everything but the final export line goes to stderr.
#
# Environment:
#   HCGW_MYSQL_PORT     TCP port (default 3306)
#   HCGW_MYSQL_DATADIR  data directory (default /var/lib/hcgw-mariadb)
set -euo pipefail

PORT="${HCGW_MYSQL_PORT:-3306}"
DATADIR="${HCGW_MYSQL_DATADIR:-/var/lib/hcgw-mariadb}"
SOCK="$DATADIR/mariadbd.sock"
LOG="$DATADIR/mariadbd.err"
PIDFILE="$DATADIR/mariadbd.pid"
TIMEOUT=60

say() { echo "mariadb.sh: $*" >&2; }
die() { say "$*"; exit 1; }

# The user the server runs as: mariadbd refuses root unless told so.
RUNAS="$(id -un)"

if ! command -v mariadbd >/dev/null 2>&1 && [ ! -x /usr/sbin/mariadbd ]; then
	[ "$(id -u)" -eq 0 ] || die "mariadbd is not installed and installing it needs root"
	say "installing mariadb-server"
	apt-get update >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y mariadb-server >&2
fi
export PATH="$PATH:/usr/sbin:/usr/bin"

# TCP client options. --skip-ssl: the server has no certificate, and recent
# 10.11 clients otherwise insist on TLS and read any refusal as "down".
TCP=(--no-defaults --skip-ssl --protocol=TCP -h127.0.0.1 -P"$PORT" --connect-timeout=2)

# answers is true when any server speaks on the port (mariadb-admin ping
# succeeds even when the login is refused).
answers() {
	mariadb-admin "${TCP[@]}" ping >/dev/null 2>&1
}

# ensure_user_and_db makes user hcgw and database hcgw with the strongest
# credentials that work: root over our own socket (unix_socket
# authentication), root over the distribution's socket; failing both, a hcgw
# that can already log in (a previous run made it) needs only the database.
ensure_user_and_db() {
	local setup="
CREATE USER IF NOT EXISTS 'hcgw'@'127.0.0.1' IDENTIFIED BY 'hcgw';
CREATE USER IF NOT EXISTS 'hcgw'@'localhost' IDENTIFIED BY 'hcgw';
ALTER USER 'hcgw'@'127.0.0.1' IDENTIFIED BY 'hcgw';
ALTER USER 'hcgw'@'localhost' IDENTIFIED BY 'hcgw';
GRANT ALL PRIVILEGES ON *.* TO 'hcgw'@'127.0.0.1';
GRANT ALL PRIVILEGES ON *.* TO 'hcgw'@'localhost';
CREATE DATABASE IF NOT EXISTS hcgw CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
FLUSH PRIVILEGES;"
	local sock
	for sock in "$SOCK" /run/mysqld/mysqld.sock; do
		[ -S "$sock" ] || continue
		# The distribution's socket is only the server on our port if the
		# port is the distribution's too.
		[ "$sock" = "$SOCK" ] || [ "$PORT" = 3306 ] || continue
		if mariadb --no-defaults --protocol=SOCKET -S "$sock" -uroot -e "SELECT 1" >/dev/null 2>&1; then
			mariadb --no-defaults --protocol=SOCKET -S "$sock" -uroot -e "$setup" >&2
			return
		fi
	done
	if mariadb "${TCP[@]}" -uhcgw -phcgw -e "SELECT 1" >/dev/null 2>&1; then
		mariadb "${TCP[@]}" -uhcgw -phcgw \
			-e "CREATE DATABASE IF NOT EXISTS hcgw CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;" >&2
		return
	fi
	die "a server answers on 127.0.0.1:$PORT but neither root (socket) nor hcgw/hcgw can log in; stop it or set HCGW_MYSQL_PORT"
}

if answers; then
	say "a server already answers on 127.0.0.1:$PORT; reusing it"
else
	mkdir -p "$DATADIR"
	if [ ! -d "$DATADIR/mysql" ]; then
		say "initialising $DATADIR"
		mariadb-install-db --no-defaults --user="$RUNAS" --datadir="$DATADIR" \
			--auth-root-authentication-method=socket --skip-test-db >"$DATADIR/install.log" 2>&1 ||
			{ cat "$DATADIR/install.log" >&2; die "mariadb-install-db failed"; }
	fi
	say "starting mariadbd on 127.0.0.1:$PORT (data $DATADIR, log $LOG)"
	# setsid and no inherited descriptors: the server outlives this script
	# and does not hold the caller's $(...) open.
	setsid mariadbd --no-defaults --user="$RUNAS" --datadir="$DATADIR" \
		--bind-address=127.0.0.1 --port="$PORT" --socket="$SOCK" --pid-file="$PIDFILE" \
		--log-error="$LOG" --skip-name-resolve \
		--character-set-server=utf8mb4 --collation-server=utf8mb4_bin \
		--innodb-buffer-pool-size=128M --max-connections=500 \
		</dev/null >>"$LOG" 2>&1 &
	pid=$!
	deadline=$((SECONDS + TIMEOUT))
	until answers; do
		if ! kill -0 "$pid" 2>/dev/null; then
			say "mariadbd exited; its log:"
			cat "$LOG" >&2 || true
			exit 1
		fi
		if [ "$SECONDS" -ge "$deadline" ]; then
			say "mariadbd did not answer within ${TIMEOUT}s; its log:"
			cat "$LOG" >&2 || true
			kill "$pid" 2>/dev/null || true
			exit 1
		fi
		sleep 0.5
	done
	say "mariadbd is up (pid $pid)"
fi

ensure_user_and_db

mariadb "${TCP[@]}" -uhcgw -phcgw -e "SELECT 1" hcgw >/dev/null ||
	die "user hcgw cannot log in over TCP"
say "user hcgw and database hcgw ready"

echo "export HCGW_TEST_MYSQL_DSN='hcgw:hcgw@tcp(127.0.0.1:$PORT)/hcgw?parseTime=true&charset=utf8mb4&loc=UTC'"
