package correlate

import (
	"hash/maphash"
	"sort"

	"github.com/atmq/atmq/decode/mqtt"
)

// pubIndex finds PUBLISH records by the content a serial item gives
// (direction, topic, payload, packet id), so each command or received
// message looks only at the packets that can match it. Scanning every
// PUBLISH of the topic instead made clock estimation quadratic: a device
// publishing telemetry to one topic all day compared each command with
// every packet.
type pubIndex struct {
	seed  maphash.Seed
	lists map[pubKey][]int // record indices, ascending
}

// pubKey is one way of looking a PUBLISH up. The payload is keyed by its
// hash (the index keeps no copy); callers still compare the bytes.
type pubKey struct {
	fromClient bool
	topic      string
	hasPayload bool
	payload    uint64
	// hasID keys by packet id; QoS 0 packets, which carry none, are
	// keyed under id 0.
	hasID bool
	id    uint16
}

func newPubIndex() *pubIndex {
	return &pubIndex{seed: maphash.MakeSeed(), lists: map[pubKey][]int{}}
}

// add files record i, a PUBLISH, under every key a lookup may use.
func (x *pubIndex) add(i int, p *mqtt.Packet, fromClient bool) {
	id := uint16(0)
	if p.QoS > 0 {
		id = p.PacketID
	}
	h := maphash.Bytes(x.seed, p.Payload)
	for _, k := range []pubKey{
		{fromClient: fromClient, topic: p.Topic},
		{fromClient: fromClient, topic: p.Topic, hasPayload: true, payload: h},
		{fromClient: fromClient, topic: p.Topic, hasID: true, id: id},
		{fromClient: fromClient, topic: p.Topic, hasPayload: true, payload: h, hasID: true, id: id},
	} {
		x.lists[k] = append(x.lists[k], i)
	}
}

// lookup visits, in capture order from record index from on, the PUBLISH
// records going the given way on topic that may carry payload (when
// hasPayload) and packet id (when id > 0: QoS 0 packets, which carry no
// id, are visited too), until visit returns false.
func (x *pubIndex) lookup(from int, fromClient bool, topic string, payload []byte, hasPayload bool, id int, visit func(i int) bool) {
	k := pubKey{fromClient: fromClient, topic: topic}
	if hasPayload {
		k.hasPayload, k.payload = true, maphash.Bytes(x.seed, payload)
	}
	if id <= 0 || id > 0xffff {
		for _, i := range after(x.lists[k], from) {
			if !visit(i) {
				return
			}
		}
		return
	}
	k.hasID, k.id = true, uint16(id)
	withID := after(x.lists[k], from)
	k.id = 0
	noID := after(x.lists[k], from)
	// Merge the two ascending lists, so capture order is kept.
	for len(withID) > 0 || len(noID) > 0 {
		var i int
		if len(noID) == 0 || (len(withID) > 0 && withID[0] < noID[0]) {
			i, withID = withID[0], withID[1:]
		} else {
			i, noID = noID[0], noID[1:]
		}
		if !visit(i) {
			return
		}
	}
}

// after is the part of an ascending list from the first element ≥ from.
func after(list []int, from int) []int {
	return list[sort.SearchInts(list, from):]
}

// findPublish returns the first unused device PUBLISH in records [lo, hi)
// going the given way with the content lookup keys on (see lookup) that
// also satisfies pred, or -1. It is find for PUBLISH packets, through the
// index: a command whose packet is not in the capture costs a lookup, not
// a walk over the rest of the device's records.
func (a pairedEvidence) findPublish(lo, hi int, fromClient bool, topic string, payload []byte, hasPayload bool, id int, pred func(i int) bool) int {
	found := -1
	a.pubs.lookup(lo, fromClient, topic, payload, hasPayload, id, func(i int) bool {
		if i >= hi {
			return false
		}
		if a.isDeviceRec(i) && !a.used[i] && pred(i) {
			found = i
			return false
		}
		return true
	})
	return found
}
