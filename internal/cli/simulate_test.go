package cli

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.bug.st/serial"

	"github.com/atmq/atmq/decode/record"
	"github.com/atmq/atmq/internal/mosquittotest"
)

// TestSimulateStdio runs the command on stdin/stdout: echo, ATE0, an
// unknown command, and a real connection to mosquitto, with the UART
// traffic recorded in atmq-serial format.
func TestSimulateStdio(t *testing.T) {
	b := mosquittotest.Start(t, mosquittotest.Config{})
	// A pipe, not a string: the module must still be running when the
	// URCs arrive, so stdin stays open until the last one is seen.
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	recPath := filepath.Join(t.TempDir(), "uart.atmq")
	done := make(chan int, 1)
	var errBuf bytes.Buffer
	go func() {
		done <- Main([]string{"simulate", "--dialect", "ecmt", "--bind", "127.0.0.5", "--record", recPath}, inR, outW, &errBuf)
		outW.Close()
	}()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			lines <- strings.TrimRight(sc.Text(), "\r")
		}
		close(lines)
	}()
	want := func(s string) {
		t.Helper()
		timeout := time.After(15 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("output ended before %q (stderr: %s)", s, errBuf.String())
				}
				if l == s {
					return
				}
			case <-timeout:
				t.Fatalf("no %q", s)
			}
		}
	}
	fmt.Fprint(inW, "AT\r\n")
	want("AT") // echo is on by default
	want("OK")
	fmt.Fprint(inW, "ATE0\r\nAT+BOGUS\r\n")
	want("ERROR")
	fmt.Fprintf(inW, "AT+ECMTOPEN=0,\"%s\",%d\r\n", b.Host, b.Port)
	want("+ECMTOPEN: 0,0")
	fmt.Fprint(inW, "AT+ECMTCONN=0,\"cli-sim\"\r\n")
	want("+ECMTCONN: 0,0,0")
	inW.Close()
	if code := <-done; code != ExitOK {
		t.Fatalf("exit %d, stderr %s", code, errBuf.String())
	}
	// mosquitto logs after it answers: wait for the line rather than
	// reading the log once.
	if err := b.WaitLog("New client connected from 127.0.0.5", 5*time.Second); err != nil {
		t.Errorf("--bind not used: %v", err)
	}

	// The recording holds both directions, parseable line by line.
	data, err := os.ReadFile(recPath)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if text[0] != record.SerialRecordingHeader {
		t.Fatalf("recording starts %q", text[0])
	}
	var host, module strings.Builder
	for i, l := range text[1:] {
		c, err := record.ParseSerialRecord([]byte(l), i+2)
		if err != nil {
			t.Fatalf("line %d: %v", i+2, err)
		}
		if c.Time.IsZero() {
			t.Errorf("line %d has no time", i+2)
		}
		switch c.Dir {
		case record.DirHostToModule:
			host.Write(c.Data)
		case record.DirModuleToHost:
			module.Write(c.Data)
		}
	}
	if !strings.Contains(host.String(), "AT+ECMTCONN=0,\"cli-sim\"\r\n") {
		t.Errorf("host side not recorded: %q", host.String())
	}
	if !strings.Contains(module.String(), "\r\n+ECMTCONN: 0,0,0\r\n") || !strings.HasPrefix(module.String(), "AT\r") {
		t.Errorf("module side not recorded: %q", module.String())
	}
}

// TestSimulatePTY runs --pty: the path is printed on stderr, a host opens
// it as a serial port, and cancelling the context ends the command.
func TestSimulatePTY(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errR, errW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- runSimulate(ctx, simulateOptions{Dialect: "qmt", PTY: true, Echo: false}, strings.NewReader(""), io.Discard, errW)
		errW.Close()
	}()
	line, err := bufio.NewReader(errR).ReadString('\n')
	if err != nil {
		t.Fatalf("stderr: %v", err)
	}
	go io.Copy(io.Discard, errR)
	i := strings.Index(line, "/dev/")
	if i < 0 {
		t.Fatalf("no pty path in %q", line)
	}
	path := strings.Fields(line[i:])[0]
	port, err := serial.Open(path, &serial.Mode{BaudRate: 115200})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer port.Close()
	if _, err := port.Write([]byte("ATI\r\n")); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	var mu sync.Mutex
	go func() {
		buf := make([]byte, 256)
		for {
			n, err := port.Read(buf)
			mu.Lock()
			got.Write(buf[:n])
			mu.Unlock()
			if err != nil || n == 0 {
				return
			}
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		s := got.String()
		mu.Unlock()
		if strings.Contains(s, "Quectel") && strings.HasSuffix(s, "\r\nOK\r\n") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ATI answer: %q", s)
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("simulate returned %v after cancel", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("simulate did not stop after cancel")
	}
}

func TestSimulateUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"simulate", "--dialect", "hayes"},
		{"simulate", "--bind", "localhost-ish"},
		{"simulate", "--truncate-password", "-1"},
		{"simulate", "extra-arg"},
	} {
		var out, errw bytes.Buffer
		if code := Main(args, strings.NewReader(""), &out, &errw); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d (stderr %q)", args, code, ExitUsage, errw.String())
		}
		if errw.Len() == 0 {
			t.Errorf("%v: no message on stderr", args)
		}
	}
}
