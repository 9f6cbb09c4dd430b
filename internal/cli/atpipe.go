package cli

import "github.com/atmq/atmq/decode/at"

// pipeItems runs read (the decoder) and write (the printer) on two
// goroutines joined by batches of items, so on two cores printing a large
// log costs about the time of the slower of the two. write sees the items
// in read's order; pipeItems returns when both are done.
func pipeItems(read func(each func(at.Item)) (*at.Log, error), write func(at.Item)) (*at.Log, error) {
	const batch = 512
	ch := make(chan []at.Item, 8)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for b := range ch {
			for _, it := range b {
				write(it)
			}
		}
	}()
	cur := make([]at.Item, 0, batch)
	log, err := read(func(it at.Item) {
		cur = append(cur, it)
		if len(cur) == batch {
			ch <- cur
			cur = make([]at.Item, 0, batch)
		}
	})
	if len(cur) > 0 {
		ch <- cur
	}
	close(ch)
	<-done
	return log, err
}
