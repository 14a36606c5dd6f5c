package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hcgw/hcgw/httpapi"
)

// rawClient is the benchmark's load generator: one keep-alive HTTP/1.1
// connection that writes each request with a single write from a reused
// buffer and reads the answer with a reused reader, as wrk does. net/http's
// client costs about as much CPU per request as the gateway's own HTTP
// handling, and the load generator shares the gateway's cores (issue #7), so
// the measuring tool would otherwise take a large part of what it measures.
// It checks every answer: the status, Content-Length or chunked framing, and
// the body (see want in load).
type rawClient struct {
	addr string // host:port
	conn net.Conn
	br   *bufio.Reader
	req  []byte
	body []byte
	// issuer is the last answer's Server-Timing (how long the issuer took
	// to answer the gateway); timed says the answer had one.
	issuer time.Duration
	timed  bool
}

func newRawClient(addr string) *rawClient { return &rawClient{addr: addr} }

func (c *rawClient) close() {
	if c.conn != nil {
		_ = c.conn.Close()
		c.conn = nil
	}
}

// do sends one POST and returns the status and body (valid until the next
// call). A connection the server closed is redialled once.
func (c *rawClient) do(path, bearer string, body []byte) (int, []byte, error) {
	c.req = c.req[:0]
	c.req = append(c.req, "POST "...)
	c.req = append(c.req, path...)
	c.req = append(c.req, " HTTP/1.1\r\nHost: "...)
	c.req = append(c.req, c.addr...)
	c.req = append(c.req, "\r\nAuthorization: Bearer "...)
	c.req = append(c.req, bearer...)
	c.req = append(c.req, "\r\nContent-Type: application/json\r\nContent-Length: "...)
	c.req = strconv.AppendInt(c.req, int64(len(body)), 10)
	c.req = append(c.req, "\r\n\r\n"...)
	c.req = append(c.req, body...)
	for attempt := 0; ; attempt++ {
		fresh := c.conn == nil
		if fresh {
			conn, err := net.DialTimeout("tcp", c.addr, 5*time.Second)
			if err != nil {
				return 0, nil, err
			}
			c.conn = conn
			if c.br == nil {
				c.br = bufio.NewReaderSize(conn, 16<<10)
			} else {
				c.br.Reset(conn)
			}
		}
		_ = c.conn.SetDeadline(time.Now().Add(30 * time.Second))
		status, answered, err := c.roundTrip()
		if err == nil {
			return status, c.body, nil
		}
		c.close()
		// A kept-alive connection the server closed between requests
		// fails before any byte of an answer: send again, once, on a new
		// one. Anything else (a timeout, a broken answer) is an error: the
		// request may have been served, and must not be counted twice.
		if fresh || attempt > 0 || answered || !closedByPeer(err) {
			return 0, nil, err
		}
	}
}

func closedByPeer(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

var errBadResponse = errors.New("loadgen: malformed HTTP response")

// roundTrip sends the request and reads the answer; answered says whether
// any byte of an answer arrived.
func (c *rawClient) roundTrip() (status int, answered bool, err error) {
	if _, err := c.conn.Write(c.req); err != nil {
		return 0, false, err
	}
	if _, err := c.br.Peek(1); err != nil {
		return 0, false, err
	}
	status, err = c.readAnswer()
	return status, true, err
}

func (c *rawClient) readAnswer() (int, error) {
	line, err := c.br.ReadSlice('\n')
	if err != nil {
		return 0, err
	}
	// "HTTP/1.1 200 OK\r\n"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, errBadResponse
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, errBadResponse
	}
	length, chunked, closing := -1, false, false
	c.issuer, c.timed = 0, false
	for {
		h, err := c.br.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		h = bytes.TrimRight(h, "\r\n")
		if len(h) == 0 {
			break
		}
		name, value, ok := bytes.Cut(h, []byte(":"))
		if !ok {
			return 0, errBadResponse
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil || length < 0 {
				return 0, errBadResponse
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			closing = bytes.EqualFold(value, []byte("close"))
		case bytes.EqualFold(name, []byte("Server-Timing")):
			if c.issuer, err = httpapi.ParseServerTiming(string(value)); err != nil {
				return 0, err
			}
			c.timed = true
		}
	}
	c.body = c.body[:0]
	switch {
	case chunked:
		if err := c.readChunked(); err != nil {
			return 0, err
		}
	case length >= 0:
		if cap(c.body) < length {
			c.body = make([]byte, length)
		}
		c.body = c.body[:length]
		if _, err := io.ReadFull(c.br, c.body); err != nil {
			return 0, err
		}
	default:
		return 0, fmt.Errorf("loadgen: answer without a length")
	}
	if closing {
		c.close()
	}
	return status, nil
}

func (c *rawClient) readChunked() error {
	for {
		line, err := c.br.ReadSlice('\n')
		if err != nil {
			return err
		}
		size, _, _ := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(";"))
		n, err := strconv.ParseInt(string(size), 16, 32)
		if err != nil || n < 0 {
			return errBadResponse
		}
		if n == 0 {
			// Trailers, then the empty line.
			for {
				t, err := c.br.ReadSlice('\n')
				if err != nil {
					return err
				}
				if len(bytes.TrimRight(t, "\r\n")) == 0 {
					return nil
				}
			}
		}
		start := len(c.body)
		c.body = append(c.body, make([]byte, n)...)
		if _, err := io.ReadFull(c.br, c.body[start:]); err != nil {
			return err
		}
		crlf, err := c.br.ReadSlice('\n')
		if err != nil {
			return err
		}
		if string(crlf) != "\r\n" {
			return errBadResponse
		}
	}
}

// loadReport is what "hcgw-bench load" prints: one phase's outcome.
type loadReport struct {
	N         int   `json:"n"`
	Errs      int   `json:"errs"`
	ElapsedNS int64 `json:"elapsed_ns"`
	P50NS     int64 `json:"p50_ns"`
	P99NS     int64 `json:"p99_ns"`
}

// cmdBenchLoad is the load generator of hcgw-bench run as a process of its
// own (bench starts it): it POSTs the bodies of a JSON array file, in turn,
// from --clients connections for --duration, and prints a loadReport. In a
// separate process its goroutines and garbage do not share the gateway's
// scheduler and heap, as a real checkpoint's would not; it still shares
// the cores.
func cmdBenchLoad(args []string, stdout io.Writer) error {
	fs := newFlags("load")
	url := fs.String("url", "", "http://127.0.0.1:PORT/path")
	clients := fs.Int("clients", 16, "connections")
	dur := fs.Duration("duration", time.Second, "length of the phase")
	bodiesFile := fs.String("bodies", "", "a JSON array of request bodies (strings)")
	want := fs.String("want", "", "text every good answer contains")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if !strings.HasPrefix(*url, "http://127.0.0.1:") {
		return usageError("--url: loopback only (http://127.0.0.1:PORT/path)")
	}
	if *clients <= 0 || *clients > 1024 || *dur <= 0 || *dur > 10*time.Minute {
		return usageError("--clients 1..1024, --duration up to 10m")
	}
	raw, err := os.ReadFile(*bodiesFile)
	if err != nil {
		return err
	}
	var texts []string
	if err := json.Unmarshal(raw, &texts); err != nil || len(texts) == 0 {
		return fmt.Errorf("--bodies: a non-empty JSON array of strings: %v", err)
	}
	bodies := make([][]byte, len(texts))
	for i, t := range texts {
		bodies[i] = []byte(t)
	}
	r := load(phase{url: *url, clients: *clients, dur: *dur, want: []byte(*want),
		next: func(i int) []byte { return bodies[i%len(bodies)] }})
	return json.NewEncoder(stdout).Encode(loadReport{N: r.n, Errs: r.errs, ElapsedNS: int64(r.elapsed),
		P50NS: int64(r.p50), P99NS: int64(r.p99)})
}

// loadElsewhere runs p in a "hcgw-bench load" process, which cycles
// through bodies (p.next is not used).
func (b *bench) loadElsewhere(p phase, bodies [][]byte) (result, error) {
	texts := make([]string, len(bodies))
	for i, body := range bodies {
		texts[i] = string(body)
	}
	f := filepath.Join(b.dir, "bodies.json")
	raw, _ := json.Marshal(texts)
	if err := os.WriteFile(f, raw, 0o600); err != nil {
		return result{}, err
	}
	exe, err := os.Executable()
	if err != nil {
		return result{}, err
	}
	cmd := exec.Command(exe, "load", "--url", p.url, "--clients", strconv.Itoa(p.clients),
		"--duration", p.dur.String(), "--bodies", f, "--want", string(p.want))
	cmd.Env = append(os.Environ(), benchLoadEnv+"=1")
	cmd.Stderr = b.log
	out, err := cmd.Output()
	if err != nil {
		return result{}, fmt.Errorf("load: %w", err)
	}
	var rep loadReport
	if err := json.Unmarshal(out, &rep); err != nil {
		return result{}, fmt.Errorf("load printed %q: %w", out, err)
	}
	return result{name: p.name, n: rep.N, errs: rep.Errs, elapsed: time.Duration(rep.ElapsedNS),
		p50: time.Duration(rep.P50NS), p99: time.Duration(rep.P99NS)}, nil
}

// benchLoadEnv marks a process started by loadElsewhere; a test binary
// started so runs the command instead of its tests (TestMain).
const benchLoadEnv = "HCGW_BENCH_LOAD_PROCESS"
