package capture

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/atmq/atmq/decode/record"
)

// FollowOptions tune FollowPcap.
type FollowOptions struct {
	// Poll is how long to sleep when the file has no more bytes yet;
	// 0 means 100 ms.
	Poll time.Duration
}

// errFollowStopped ends a followed read when the context is cancelled.
var errFollowStopped = errors.New("follow stopped")

// pcapngMagic is the block type of a pcapng Section Header Block.
const pcapngMagic = 0x0A0D0D0A

// FollowPcap reads a pcap or pcapng file that another program (tcpdump
// -U -w, Wireshark, dumpcap) is still writing, and hands every frame to
// out, numbered from 1, until ctx is cancelled (then it returns nil). It
// waits for the file to appear and for its header; at the end of the
// data it waits for more, so a record cut in half by the writer is simply
// read when its rest arrives. A file that shrinks (the writer started
// over) or holds a damaged record ends it with an error naming the frame.
func FollowPcap(ctx context.Context, path string, opts FollowOptions, out func(record.Frame)) error {
	if opts.Poll <= 0 {
		opts.Poll = 100 * time.Millisecond
	}
	f, err := waitForFile(ctx, path, opts.Poll)
	if err != nil {
		if errors.Is(err, errFollowStopped) {
			return nil
		}
		return err
	}
	defer f.Close()
	// A pipe's read blocks until data comes: the deadline ends it when
	// ctx is cancelled (regular files have no deadlines and need none).
	stop := context.AfterFunc(ctx, func() { f.SetReadDeadline(time.Now()) })
	defer stop()
	tr := &tailReader{ctx: ctx, f: f, poll: opts.Poll, path: path}
	br := bufio.NewReaderSize(tr, 64<<10)
	magic, err := br.Peek(4)
	if err != nil {
		return followErr(path, 0, err)
	}
	// The Section Header Block's type reads the same in both byte orders.
	if binary.LittleEndian.Uint32(magic) == pcapngMagic {
		return followNg(path, br, out)
	}
	return followPcap(path, br, out)
}

func followPcap(path string, r io.Reader, out func(record.Frame)) error {
	pr, err := pcapgo.NewReader(r)
	if err != nil {
		return followErr(path, 0, err)
	}
	lt := int(pr.LinkType())
	for n := 1; ; n++ {
		data, ci, err := pr.ReadPacketData()
		if err != nil {
			return followErr(path, n, err)
		}
		out(frameOf(n, lt, data, ci))
	}
}

func followNg(path string, r io.Reader, out func(record.Frame)) error {
	nr, err := pcapgo.NewNgReader(r, pcapgo.NgReaderOptions{WantMixedLinkType: true})
	if err != nil {
		return followErr(path, 0, err)
	}
	for n := 1; ; n++ {
		data, ci, err := nr.ReadPacketData()
		if err != nil {
			return followErr(path, n, err)
		}
		lt := 0
		if intf, err := nr.Interface(ci.InterfaceIndex); err == nil {
			lt = int(intf.LinkType)
		}
		fr := frameOf(n, lt, data, ci)
		fr.Interface = ci.InterfaceIndex
		out(fr)
	}
}

func frameOf(n, linkType int, data []byte, ci gopacket.CaptureInfo) record.Frame {
	return record.Frame{Number: n, Time: ci.Timestamp, LinkType: linkType, Data: data, OrigLen: ci.Length}
}

// followErr turns the end of a followed read into FollowPcap's result.
func followErr(path string, frame int, err error) error {
	if errors.Is(err, errFollowStopped) {
		return nil
	}
	if frame == 0 {
		return fmt.Errorf("%s: header: %w", path, err)
	}
	return fmt.Errorf("%s: frame %d: %w", path, frame, err)
}

func waitForFile(ctx context.Context, path string, poll time.Duration) (*os.File, error) {
	for {
		// O_NONBLOCK: opening a named pipe (tcpdump -w FIFO) would
		// otherwise block, past any Ctrl-C, until a writer opens it.
		f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		if err := sleepCtx(ctx, poll); err != nil {
			return nil, errFollowStopped
		}
	}
}

// tailReader reads a growing file: at its end it waits for more instead
// of returning io.EOF, until the context is cancelled.
type tailReader struct {
	ctx  context.Context
	f    *os.File
	poll time.Duration
	path string
	pos  int64
}

func (t *tailReader) Read(p []byte) (int, error) {
	for {
		n, err := t.f.Read(p)
		t.pos += int64(n)
		if n > 0 {
			return n, nil
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return 0, errFollowStopped
		}
		if err != nil && err != io.EOF {
			return 0, err
		}
		if st, err := t.f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() < t.pos {
			return 0, fmt.Errorf("%s shrank from %d to %d bytes: the writer started a new file", t.path, t.pos, st.Size())
		}
		if sleepCtx(t.ctx, t.poll) != nil {
			return 0, errFollowStopped
		}
	}
}
