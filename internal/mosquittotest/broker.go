// Package mosquittotest starts and stops a real mosquitto broker for tests
// and for the scenario recorder: each instance gets its own config, its own
// free loopback port and its own log, and is stopped when the test ends.
package mosquittotest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ErrNotInstalled means no mosquitto binary was found.
var ErrNotInstalled = errors.New("mosquitto not found: install the Debian package `mosquitto` (apt-get install mosquitto) or set ATMQ_MOSQUITTO to the binary's path")

// Config picks the broker's behaviour. The zero Config is an anonymous
// broker on 127.0.0.1 and a free port.
type Config struct {
	// Listen is the address the listener binds, e.g. "127.0.0.1" (default)
	// or "127.0.0.2": any 127/8 address works on Linux without setup, so a
	// test can give the broker and the device different IPs.
	Listen string
	// Port is the TCP port; 0 picks a free one.
	Port int
	// Users, when non-nil, turns anonymous access off
	// (`allow_anonymous false`) and writes these user → password pairs to a
	// password file. An empty non-nil map refuses everyone.
	Users map[string]string
	// ClientIDPrefixes, when set, is written as `clientid_prefixes`: a
	// client id without this prefix is refused (CONNACK 5 on mosquitto 2.0).
	ClientIDPrefixes string
	// Extra lines appended to the generated config verbatim.
	Extra []string
}

// Broker is a running mosquitto.
type Broker struct {
	Host    string // listen address
	Port    int
	Dir     string // directory holding the config, password file
	cmd     *exec.Cmd
	log     *lockedBuffer
	done    chan struct{}
	waitErr error
	stopMu  sync.Mutex
	stopped bool
}

// Addr is host:port for net.Dial.
func (b *Broker) Addr() string { return net.JoinHostPort(b.Host, strconv.Itoa(b.Port)) }

// Log returns what mosquitto printed so far (its log goes to stderr).
func (b *Broker) Log() string { return b.log.String() }

// WaitLog waits until the broker's log contains s. With log_type all,
// mosquitto logs every packet it receives and sends, which makes its log
// an independent witness of what a client put on the wire.
func (b *Broker) WaitLog(s string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for !strings.Contains(b.Log(), s) {
		if time.Now().After(deadline) {
			return fmt.Errorf("mosquitto %s: no %q in the log after %v", b.Addr(), s, limit)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}

// Exited reports whether the broker process has ended.
func (b *Broker) Exited() bool {
	select {
	case <-b.done:
		return true
	default:
		return false
	}
}

// Stop terminates the broker (SIGTERM, then SIGKILL after 3 s), waits for
// it and removes its directory. Calling it twice is harmless.
func (b *Broker) Stop() error {
	b.stopMu.Lock()
	defer b.stopMu.Unlock()
	if b.stopped {
		return nil
	}
	b.stopped = true
	if !b.Exited() {
		_ = b.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-b.done:
		case <-time.After(3 * time.Second):
			_ = b.cmd.Process.Kill()
			<-b.done
		}
	}
	return os.RemoveAll(b.Dir)
}

// Binary finds mosquitto: $ATMQ_MOSQUITTO, then $PATH, then the Debian
// location /usr/sbin (not on a normal user's PATH).
func Binary() (string, error) {
	if p := os.Getenv("ATMQ_MOSQUITTO"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("ATMQ_MOSQUITTO=%s: %v; %w", p, err, ErrNotInstalled)
		}
		return p, nil
	}
	if p, err := exec.LookPath("mosquitto"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto", "/opt/homebrew/sbin/mosquitto", "/usr/local/opt/mosquitto/sbin/mosquitto"} {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", ErrNotInstalled
}

// StartProcess starts mosquitto with conf and waits until its port accepts
// connections. The caller must Stop it. When Port is 0 and the chosen port
// is taken in the meantime, it retries with another one.
func StartProcess(conf Config) (*Broker, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	if conf.Listen == "" {
		conf.Listen = "127.0.0.1"
	}
	attempts := 1
	if conf.Port == 0 {
		attempts = 5
	}
	var lastErr error
	for range attempts {
		c := conf
		if c.Port == 0 {
			if c.Port, err = freePort(c.Listen); err != nil {
				return nil, err
			}
		}
		b, err := start(bin, c)
		if err == nil {
			return b, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func start(bin string, conf Config) (*Broker, error) {
	// Not t.TempDir(): mosquitto started as root drops to user mosquitto
	// before reading the password file, which a 0700 directory would hide
	// (field-notes). The directory is 0755 and the files 0644.
	dir, err := os.MkdirTemp("", "atmq-mosquitto-")
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	confText, err := writeConfig(dir, conf, os.Geteuid() == 0)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	confPath := filepath.Join(dir, "mosquitto.conf")
	if err := os.WriteFile(confPath, []byte(confText), 0o644); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	b := &Broker{Host: conf.Listen, Port: conf.Port, Dir: dir, log: &lockedBuffer{}, done: make(chan struct{})}
	b.cmd = exec.Command(bin, "-c", confPath)
	b.cmd.Stdout = b.log
	b.cmd.Stderr = b.log
	b.cmd.SysProcAttr = brokerProcAttr()
	if err := b.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() {
		b.waitErr = b.cmd.Wait()
		close(b.done)
	}()
	if err := b.waitReady(10 * time.Second); err != nil {
		_ = b.Stop()
		return nil, fmt.Errorf("mosquitto on %s: %w\nconfig:\n%s\nlog:\n%s", b.Addr(), err, confText, b.Log())
	}
	return b, nil
}

// waitReady waits until mosquitto says it is running and the port
// accepts, or the process exits. The log line matters: a port that
// accepts may belong to someone else (then mosquitto exits with "Address
// already in use" and we must not mistake their listener for ours).
func (b *Broker) waitReady(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		select {
		case <-b.done:
			return fmt.Errorf("exited before accepting connections (%v)", b.waitErr)
		default:
		}
		var err error
		if strings.Contains(b.Log(), " running") {
			var c net.Conn
			if c, err = net.DialTimeout("tcp", b.Addr(), 200*time.Millisecond); err == nil {
				c.Close()
				return nil
			}
		} else {
			err = errors.New(`no "running" line in the log`)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("port not accepting after %v: %w", limit, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// writeConfig returns the config text; it writes the password file into
// dir when conf needs one. asRoot adds `user root`.
func writeConfig(dir string, conf Config, asRoot bool) (string, error) {
	var sb strings.Builder
	sb.WriteString("# generated by atmq internal/mosquittotest\n")
	if asRoot {
		// Stay root so the files are readable whatever the umask.
		sb.WriteString("user root\n")
	}
	sb.WriteString("persistence false\n")
	// stderr, not stdout: mosquitto's stdout is block-buffered on a pipe.
	sb.WriteString("log_dest stderr\n")
	sb.WriteString("log_type all\n")
	sb.WriteString("log_timestamp true\n")
	sb.WriteString("log_timestamp_format %Y-%m-%dT%H:%M:%S\n")
	sb.WriteString("connection_messages true\n")
	fmt.Fprintf(&sb, "listener %d %s\n", conf.Port, conf.Listen)
	if conf.Users != nil {
		sb.WriteString("allow_anonymous false\n")
		pw := filepath.Join(dir, "passwd")
		text, err := passwordFile(conf.Users)
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(pw, text, 0o644); err != nil {
			return "", err
		}
		fmt.Fprintf(&sb, "password_file %s\n", pw)
	} else {
		sb.WriteString("allow_anonymous true\n")
	}
	if conf.ClientIDPrefixes != "" {
		fmt.Fprintf(&sb, "clientid_prefixes %s\n", conf.ClientIDPrefixes)
	}
	for _, l := range conf.Extra {
		sb.WriteString(l)
		sb.WriteByte('\n')
	}
	return sb.String(), nil
}

// freePort asks the kernel for a free port on host.
func freePort(host string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, fmt.Errorf("find a free port on %s: %w", host, err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// lockedBuffer collects the broker's output; written by exec's copier
// goroutine, read by tests.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// maxLog bounds the kept log: a broker flooded by a runaway test must not
// eat the machine's memory.
const maxLog = 4 << 20

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if room := maxLog - l.buf.Len(); room > 0 {
		if len(p) > room {
			l.buf.Write(p[:room])
		} else {
			l.buf.Write(p)
		}
	}
	return len(p), nil
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
