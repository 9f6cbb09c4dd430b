package correlate

import "sort"

// pairSocketPackets gives each socket send, read and receive URC the
// capture frames of the MQTT packets it carried, as matched byte for byte
// (socketwire.go): the bytes themselves say which frame is whose, so these
// pairs are made before the time-window pairing and it never takes them.
func (a pairedEvidence) pairSocketPackets() {
	if a.log == nil {
		return
	}
	txByLine := make(map[int]int, len(a.txs))
	for i := range a.txs {
		txByLine[a.txs[i].Line] = i
	}
	evByLine := make(map[int]int, len(a.evs))
	for j := range a.evs {
		evByLine[a.evs[j].Line] = j
	}
	for _, m := range matchSocketPackets(a.log, a.recs) {
		if m.rec < 0 || a.used[m.rec] {
			continue
		}
		line := m.packet.Line
		if ti, ok := txByLine[line]; ok {
			a.used[m.rec] = true
			a.txRecs[ti] = append(a.txRecs[ti], m.rec)
			a.recTx[m.rec] = ti + 1
		} else if j, ok := evByLine[line]; ok {
			a.used[m.rec] = true
			a.evRecs[j] = append(a.evRecs[j], m.rec)
			a.recEv[m.rec] = j + 1
		}
	}
}

// mergeRecs adds the records the window pairing found to those the
// socket bytes paired, ascending.
func mergeRecs(paired, got []int) []int {
	if len(paired) == 0 {
		return got
	}
	out := append(paired, got...)
	sort.Ints(out)
	return out
}
