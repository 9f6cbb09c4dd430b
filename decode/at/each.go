package at

import (
	"io"

	"github.com/atmq/atmq/decode/record"
)

// Item is one transaction or one event, given out by ReadLogEach.
// Exactly one of Txn and Event is set.
type Item struct {
	Txn   *Transaction
	Event *Event
}

// Line is the log line the item begins on.
func (it Item) Line() int {
	if it.Txn != nil {
		return it.Txn.Line
	}
	return it.Event.Line
}

// maxHeld bounds the items ReadLogEach holds back because an older one is
// still open (a command waiting for a result URC that never comes while
// thousands of other lines pass): past it the oldest is given out as it
// is and its late result, if any, becomes an unsolicited event.
const maxHeld = 4096

// ReadLogEach reads a log like ReadLog but keeps none of it: each
// transaction and event is given to each once, complete (no later line can
// change it), in line order, so memory stays flat however long the log.
// The Log returned has everything but Transactions and Events: format,
// dialect, time source, configuration, problems and damage.
func ReadLogEach(r io.Reader, opts Options, each func(Item)) (*Log, error) {
	br, in, f, p, binary, err := openLog(r, opts)
	if err != nil || binary != nil {
		return binary, err
	}
	o := &orderedOut{e: p.eng, each: func(it Item) {
		in.count(it)
		each(it)
	}}
	fr := in.observe(p, f.newReader(p.clock))
	readLines(br, fr, func(c record.SerialChunk) {
		p.Chunk(c)
		o.release(false)
	}, p.skip)
	p.split.Flush()
	p.eng.finish()
	p.closed = true
	o.release(true)
	l := p.Close()
	in.done(l)
	return l, nil
}

// orderedOut takes what the engine decoded and gives it out in line order
// once nothing can change it any more.
type orderedOut struct {
	e     *engine
	each  func(Item)
	queue []Item
	head  int
}

// release moves the engine's new transactions and events to the queue and
// gives out the complete ones at its head; at the end everything goes.
func (o *orderedOut) release(end bool) {
	e := o.e
	o.merge(e.txns, e.events)
	clear(e.txns)
	clear(e.events)
	e.txns, e.events = e.txns[:0], e.events[:0]
	for o.head < len(o.queue) {
		it := o.queue[o.head]
		if !end && o.open(it) {
			if len(o.queue)-o.head <= maxHeld {
				break
			}
			o.force(it)
		}
		o.queue[o.head] = Item{}
		o.head++
		o.each(it)
	}
	if o.head == len(o.queue) {
		o.queue, o.head = o.queue[:0], 0
	} else if o.head > 1024 && o.head*2 > len(o.queue) {
		n := copy(o.queue, o.queue[o.head:])
		clear(o.queue[n:])
		o.queue, o.head = o.queue[:n], 0
	}
}

// merge appends new transactions and events in line order (transactions
// first on the same line, as the table lists them).
func (o *orderedOut) merge(txns []*Transaction, events []*Event) {
	i, j := 0, 0
	for i < len(txns) || j < len(events) {
		if j == len(events) || (i < len(txns) && txns[i].Line <= events[j].Line) {
			o.queue = append(o.queue, Item{Txn: txns[i]})
			i++
		} else {
			o.queue = append(o.queue, Item{Event: events[j]})
			j++
		}
	}
}

// open says a later line can still change the item.
func (o *orderedOut) open(it Item) bool {
	e := o.e
	if t := it.Txn; t != nil {
		if e.pending != nil && e.pending.t == t {
			return true
		}
		for _, a := range e.awaiting {
			if a.t == t {
				return true
			}
		}
		return false
	}
	ev := it.Event
	return ev == e.cont || ev == e.block || (e.follow != nil && e.follow.ev == ev)
}

// force closes an item held open too long, so it can be given out.
func (o *orderedOut) force(it Item) {
	e := o.e
	if t := it.Txn; t != nil {
		if e.pending != nil && e.pending.t == t {
			e.close(e.pending)
		}
		for i, a := range e.awaiting {
			if a.t == t {
				e.awaiting = append(e.awaiting[:i], e.awaiting[i+1:]...)
				e.settle(a)
				break
			}
		}
		return
	}
	ev := it.Event
	switch {
	case ev == e.cont:
		e.endCont()
	case e.follow != nil && e.follow.ev == ev:
		e.endFollow()
	}
	if ev == e.block {
		e.block = nil
	}
}
