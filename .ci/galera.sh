#!/usr/bin/env bash
# Start (or reuse) a three-node MariaDB Galera cluster on loopback for the
# replica tests, and print the line that points them at it:
#
#   eval "$(.ci/galera.sh)"     # sets HCGW_TEST_GALERA_DSNS
#
# As root on Debian: installs mariadb-server, galera-4 and rsync when missing,
# gives each node a data directory of its own under $HCGW_GALERA_DIR (never the
# distribution's /var/lib/mysql, and never the plain MariaDB of .ci/mariadb.sh)
# and starts the nodes bound to 127.0.0.1:
#
#   node  SQL port  group communication  SST (rsync)  IST
#   1     3311      4571                 4581         4591
#   2     3312      4572                 4582         4592
#   3     3313      4573                 4583         4593
#
# Idempotent: nodes that answer are left alone; a node that does not is
# started and joins the others (state transfer by rsync). When no node
# answers, node 1 bootstraps a new cluster (--wsrep-new-cluster) and the
# others join it. The replica tests run this script again to bring back a
# node they killed: its position is recovered first (--wsrep-recover), so it
# rejoins by incremental transfer (IST) when the donor's gcache still holds
# what it missed. Group-communication timeouts are Galera's defaults: a
# killed node is evicted after evs.suspect_timeout (5 s), and shorter ones
# split the cluster on a loaded two-core machine.
#
# mariadbd runs as user mysql, not root: the rsync state transfer writes the
# joiner's data directory as the server's user.
#
# Everything but the final export line goes to stderr.
#
# Environment:
#   HCGW_GALERA_DIR     parent of the nodes' data directories (default /var/lib/hcgw-galera)
#   HCGW_GALERA_BASE    SQL port of node 1 (default 3311); nodes use BASE, BASE+1, BASE+2
set -euo pipefail

DIR="${HCGW_GALERA_DIR:-/var/lib/hcgw-galera}"
BASE="${HCGW_GALERA_BASE:-3311}"
NODES=3
TIMEOUT=120
PROVIDER=/usr/lib/galera/libgalera_smm.so

say() { echo "galera.sh: $*" >&2; }
die() { say "$*"; exit 1; }

export PATH="$PATH:/usr/sbin:/usr/bin"
need=()
command -v mariadbd >/dev/null 2>&1 || need+=(mariadb-server)
[ -f "$PROVIDER" ] || need+=(galera-4)
command -v rsync >/dev/null 2>&1 || need+=(rsync)
if [ "${#need[@]}" -gt 0 ]; then
	[ "$(id -u)" -eq 0 ] || die "missing ${need[*]}; installing needs root"
	say "installing ${need[*]}"
	apt-get update >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y "${need[@]}" >&2
fi

# The server's user: mysql when we are root (Debian's package makes it),
# ourselves otherwise.
if [ "$(id -u)" -eq 0 ]; then
	RUNAS=mysql
	id "$RUNAS" >/dev/null 2>&1 || die "user $RUNAS does not exist (the mariadb-server package makes it)"
else
	RUNAS="$(id -un)"
fi

port() { echo $((BASE + $1 - 1)); }
gport() { echo $((4570 + $1)); }

TCP() { echo --no-defaults --skip-ssl --protocol=TCP -h127.0.0.1 -P"$(port "$1")" --connect-timeout=2; }

answers() {
	# shellcheck disable=SC2046
	mariadb-admin $(TCP "$1") ping >/dev/null 2>&1
}

# synced is true when node $1 is a synced member of a primary component.
synced() {
	local out
	# shellcheck disable=SC2046
	out=$(mariadb $(TCP "$1") -uhcgw -phcgw -N -B \
		-e "SHOW STATUS WHERE Variable_name IN ('wsrep_local_state_comment','wsrep_cluster_status')" 2>/dev/null) || return 1
	grep -q 'Synced' <<<"$out" && grep -q 'Primary' <<<"$out"
}

cluster_address() {
	local i addrs=()
	for i in $(seq 1 "$NODES"); do addrs+=("127.0.0.1:$(gport "$i")"); done
	local IFS=,
	echo "gcomm://${addrs[*]}"
}

write_cnf() {
	local n=$1 d="$DIR/n$1"
	cat >"$d/my.cnf" <<EOF
[mysqld]
user=$RUNAS
datadir=$d/data
socket=$d/mariadbd.sock
pid-file=$d/mariadbd.pid
log-error=$d/mariadbd.err
bind-address=127.0.0.1
port=$(port "$n")
skip-name-resolve
character-set-server=utf8mb4
collation-server=utf8mb4_bin
innodb-buffer-pool-size=64M
innodb-log-file-size=64M
max-connections=300
default-storage-engine=InnoDB
binlog_format=ROW
innodb_autoinc_lock_mode=2
wsrep_on=ON
wsrep_provider=$PROVIDER
wsrep_cluster_name=hcgw-test
wsrep_cluster_address=$(cluster_address)
wsrep_node_name=n$n
wsrep_node_address=127.0.0.1:$(gport "$n")
wsrep_sst_method=rsync
wsrep_sst_receive_address=127.0.0.1:$((4580 + n))
wsrep_provider_options="gmcast.listen_addr=tcp://127.0.0.1:$(gport "$n");ist.recv_addr=127.0.0.1:$((4590 + n));gcache.size=32M"
[client]
socket=$d/mariadbd.sock
EOF
}

# start_node n [bootstrap] starts node n in the background.
start_node() {
	local n=$1 boot=${2:-} d="$DIR/n$1"
	mkdir -p "$d/data"
	write_cnf "$n"
	if [ ! -d "$d/data/mysql" ]; then
		say "initialising $d/data"
		mariadb-install-db --defaults-file="$d/my.cnf" --user="$RUNAS" --datadir="$d/data" \
			--auth-root-authentication-method=socket --skip-test-db >"$d/install.log" 2>&1 ||
			{ cat "$d/install.log" >&2; die "mariadb-install-db failed for node $n"; }
	fi
	chown -R "$RUNAS" "$d" 2>/dev/null || true
	local args=(--defaults-file="$d/my.cnf")
	if [ -z "$boot" ] && [ -f "$d/data/grastate.dat" ]; then
		# A node that died (kill -9) left seqno -1 in grastate.dat: recover
		# its position from InnoDB first (what Debian's galera_recovery
		# does under systemd), so that it rejoins by incremental transfer
		# from the donor's gcache (IST) instead of a whole rsync copy, which
		# blocks the donor's writes while it runs.
		local pos
		mariadbd --defaults-file="$d/my.cnf" --wsrep-recover --log-error="$d/recover.log" >/dev/null 2>&1 || true
		pos=$(sed -n 's/.*WSREP: Recovered position: *\([0-9a-f-]*:[0-9-]*\).*/\1/p' "$d/recover.log" 2>/dev/null | tail -n 1)
		rm -f "$d/recover.log"
		if [ -n "$pos" ]; then
			say "node $n recovered position $pos"
			args+=(--wsrep-start-position="$pos")
		fi
	fi
	if [ -n "$boot" ]; then
		# After every node died, grastate.dat says no node is safe to
		# bootstrap from; node 1 is chosen (test data only).
		[ -f "$d/data/grastate.dat" ] && sed -i 's/^safe_to_bootstrap: 0/safe_to_bootstrap: 1/' "$d/data/grastate.dat"
		args+=(--wsrep-new-cluster)
	fi
	say "starting node $n on 127.0.0.1:$(port "$n")${boot:+ (new cluster)} (log $d/mariadbd.err)"
	setsid mariadbd "${args[@]}" </dev/null >>"$d/mariadbd.err" 2>&1 &
	echo $! >"$d/launch.pid"
}

wait_node() {
	local n=$1 d="$DIR/n$1" deadline=$((SECONDS + TIMEOUT)) pid
	pid=$(cat "$d/launch.pid")
	until answers "$n"; do
		if ! kill -0 "$pid" 2>/dev/null; then
			say "node $n exited; the end of its log:"
			tail -40 "$d/mariadbd.err" >&2 || true
			exit 1
		fi
		[ "$SECONDS" -lt "$deadline" ] || { tail -40 "$d/mariadbd.err" >&2; die "node $n did not answer within ${TIMEOUT}s"; }
		sleep 0.5
	done
}

ensure_user() {
	local d="$DIR/n$1"
	mariadb --no-defaults --protocol=SOCKET -S "$d/mariadbd.sock" -uroot -e "
CREATE USER IF NOT EXISTS 'hcgw'@'127.0.0.1' IDENTIFIED BY 'hcgw';
CREATE USER IF NOT EXISTS 'hcgw'@'localhost' IDENTIFIED BY 'hcgw';
GRANT ALL PRIVILEGES ON *.* TO 'hcgw'@'127.0.0.1';
GRANT ALL PRIVILEGES ON *.* TO 'hcgw'@'localhost';
CREATE DATABASE IF NOT EXISTS hcgw CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;" >&2
}

mkdir -p "$DIR"
up=()
for i in $(seq 1 "$NODES"); do
	if answers "$i"; then up+=("$i"); fi
done

if [ "${#up[@]}" -eq 0 ]; then
	start_node 1 bootstrap
	wait_node 1
	ensure_user 1
	up=(1)
fi
for i in $(seq 1 "$NODES"); do
	if ! answers "$i"; then
		start_node "$i"
		# One joiner at a time: rsync state transfers from one donor.
		wait_node "$i"
	fi
done

deadline=$((SECONDS + TIMEOUT))
for i in $(seq 1 "$NODES"); do
	until synced "$i"; do
		[ "$SECONDS" -lt "$deadline" ] || die "node $i is not a synced member of the primary component"
		sleep 0.5
	done
done
say "cluster of $NODES nodes synced"

dsns=()
for i in $(seq 1 "$NODES"); do
	dsns+=("hcgw:hcgw@tcp(127.0.0.1:$(port "$i"))/hcgw?parseTime=true&charset=utf8mb4&loc=UTC")
done
joined=$(IFS=,; echo "${dsns[*]}")
echo "export HCGW_TEST_GALERA_DSNS='$joined'"
