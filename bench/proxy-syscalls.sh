#!/usr/bin/env bash
# proxy-syscalls.sh - system calls per round trip of examples/proxy, HAProxy and nginx,
# counted with strace -c -f on the proxy's process while peerbench's load generator runs
# each case through it to peerbench's C epoll echo server (the proxy on CPU 0, the client
# and the upstream on CPU 1, as proxy.sh places them). The counts, unlike the times, hardly
# depend on the machine's load; strace slows every proxy alike.
#
#   bench/proxy-syscalls.sh PEERBENCH_DIR MIO_PROXY_BINARY [CASES]
set -euo pipefail
PB=$(cd "$1" && pwd); MIO=$2; CASES=${3:-"1x64 50x64 500x512 8x65536"}
BIN=$PB/bin
[[ -x $BIN/loadgen && -x $BIN/epoll_echo ]] || BUILD_ONLY=1 bash "$PB/run.sh" >&2
command -v strace >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq strace >/dev/null; }
command -v haproxy >/dev/null && command -v nginx >/dev/null || { echo "haproxy and nginx come with make proxybench (proxy.sh installs them)" >&2; exit 1; }
TMP=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$TMP"' EXIT
up=10899
taskset -c 1 "$BIN/epoll_echo" $up >/dev/null 2>&1 &
proxy_cmd() { # NAME PORT
    case $1 in
    mio) echo "$MIO -listen 127.0.0.1:$2 -upstream 127.0.0.1:$up" ;;
    haproxy)
        printf 'global\n  nbthread 1\n  maxconn 4000\ndefaults\n  mode tcp\n  timeout connect 5s\n  timeout client 60s\n  timeout server 60s\nfrontend f\n  bind 127.0.0.1:%s\n  default_backend b\nbackend b\n  server s1 127.0.0.1:%s\n' "$2" $up >"$TMP/h$2.cfg"
        echo "haproxy -db -f $TMP/h$2.cfg" ;;
    nginx)
        printf 'load_module /usr/lib/nginx/modules/ngx_stream_module.so;\ndaemon off;\nmaster_process off;\nworker_processes 1;\nworker_rlimit_nofile 18000;\nerror_log %s/n.err warn;\npid %s/n%s.pid;\nevents { worker_connections 16000; }\nstream { server { listen 127.0.0.1:%s; proxy_pass 127.0.0.1:%s; tcp_nodelay on; } }\n' "$TMP" "$TMP" "$2" "$2" $up >"$TMP/n$2.conf"
        echo "nginx -e $TMP/n.err -c $TMP/n$2.conf" ;;
    esac
}
echo "# system calls per round trip: strace -c -f -p PROXY during loadgen -d 2 (peerbench), $(date -Is)"
echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), kernel $(uname -r)"
port=10900
for c in $CASES; do
    n=${c%x*} m=${c#*x}
    for p in mio haproxy nginx; do
        port=$((port + 1))
        taskset -c 0 bash -c "exec $(proxy_cmd $p $port)" >/dev/null 2>&1 &
        pid=$!
        for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
        strace -c -f -p $pid -o "$TMP/st" 2>/dev/null &
        st=$!
        sleep 0.3 # strace attached
        rts=$(taskset -c 1 "$BIN/loadgen" -p $port -c "$n" -s "$m" -d 2 -w 0 2>/dev/null | grep -o 'rts=[0-9]*' | cut -d= -f2)
        kill -INT $st; wait $st 2>/dev/null || true
        kill $pid; wait $pid 2>/dev/null || true
        printf '%-8s %-8s rts=%-7s' "$c" "$p" "$rts"
        awk -v r="$rts" 'NR>2 && $NF!="total" && $4 ~ /^[0-9]+$/ && $4/r >= 0.01 {printf " %s=%.2f", $NF, $4/r}' "$TMP/st"
        echo
    done
done
