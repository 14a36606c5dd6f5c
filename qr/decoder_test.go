package qr

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hcgw/hcgw/internal/testkit"
)

// countdown is a context that ends after its Err has been asked n times: a
// request abandoned at any step of a decode, without timing anything.
type countdown struct {
	context.Context
	left atomic.Int64
}

func newCountdown(n int64) *countdown {
	c := &countdown{Context: context.Background()}
	c.left.Store(n)
	return c
}

func (c *countdown) Err() error {
	if c.left.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

// counting is a context that never ends and counts the times it is asked.
type counting struct {
	context.Context
	n atomic.Int64
}

func (c *counting) Err() error { c.n.Add(1); return nil }

func allocatedBy(f func()) int64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return int64(after.TotalAlloc - before.TotalAlloc)
}

func TestDecoderBounds(t *testing.T) {
	code, _ := Encode("NIC1:eyJhbGciOiJFZERTQSJ9.eyJ2IjoxfQ.c2ln", 0)
	t.Run("an image is decoded within the bounds", func(t *testing.T) {
		d := NewDecoder(Limits{})
		if s, err := d.Decode(context.Background(), code); err != nil || s != "NIC1:eyJhbGciOiJFZERTQSJ9.eyJ2IjoxfQ.c2ln" {
			t.Fatalf("%q %v", s, err)
		}
		if st := d.Stats(); st != (Stats{Decoded: 1}) {
			t.Fatalf("%+v", st)
		}
	})

	t.Run("past MaxConcurrent decodes, ErrBusy at once; a freed slot is used again", func(t *testing.T) {
		d := NewDecoder(Limits{MaxConcurrent: 2})
		d.slots <- struct{}{}
		d.slots <- struct{}{} // two decodes running
		if _, err := d.Decode(context.Background(), code); !errors.Is(err, ErrBusy) {
			t.Fatalf("%v", err)
		}
		<-d.slots
		if _, err := d.Decode(context.Background(), code); err != nil {
			t.Fatalf("%v", err)
		}
		if st := d.Stats(); st.Busy != 1 || st.Decoded != 1 || len(d.slots) != 1 {
			t.Fatalf("%+v, %d slots taken", st, len(d.slots))
		}
	})

	t.Run("an image over the bound takes no slot and allocates nothing of its size", func(t *testing.T) {
		d := NewDecoder(Limits{MaxConcurrent: 1})
		d.slots <- struct{}{} // even with every slot taken, the answer is the bound
		huge := testkit.HugePNG(testkit.PNGSpec{Width: 5916, Height: 5916, Depth: 16, Color: testkit.PNGRGBA})
		var err error
		got := allocatedBy(func() { _, err = d.Decode(context.Background(), huge) })
		var le *LimitError
		if !errors.As(err, &le) || le.Need.Image < 5916*5916*8 || got > 64<<10 {
			t.Fatalf("%v, %d bytes allocated", err, got)
		}
		if st := d.Stats(); st.TooLarge != 1 || st.Busy != 0 {
			t.Fatalf("%+v", st)
		}
	})

	// Whatever the step the request ends at — the header, the canvas, a
	// grey copy, any of the reader's attempts — the decode stops there,
	// returns the context's error, and frees its slot.
	t.Run("a request that ends at any step stops the decode", func(t *testing.T) {
		images := map[string][]byte{
			"a rendered code": code,
			"a PNG wider than the working size, no code": testkit.HugePNG(testkit.PNGSpec{Width: 1700, Height: 600, Depth: 8, Color: testkit.PNGGrey, Complete: true}),
			"a progressive JPEG of no code": testkit.JPEG(testkit.JPEGSpec{Width: 400, Height: 400, Components: 1, Progressive: true,
				Dark: func(bx, by int) bool { return (bx+by)%3 == 0 }}),
		}

		for name, img := range images {
			t.Run(name, func(t *testing.T) {
				all := &counting{Context: context.Background()}
				d := NewDecoder(Limits{})
				_, ferr := d.Decode(all, img)
				steps := all.n.Load()
				if steps < 5 {
					t.Fatalf("a whole decode asked its context %d times (%v)", steps, ferr)
				}
				// The last check is Decode's own, after the decode.
				stride := max(1, (steps-1)/12)
				for k := int64(0); k < steps-1; k += stride {
					_, err := d.Decode(newCountdown(k), img)
					if !errors.Is(err, context.Canceled) {
						t.Fatalf("ended after %d of %d checks: %v", k, steps, err)
					}
				}
				st := d.Stats()
				if st.Abandoned == 0 || st.Decoded != 1 || st.Active != 0 || len(d.slots) != 0 {
					t.Fatalf("%+v, %d slots taken", st, len(d.slots))
				}
				t.Logf("%d checks of the context in a whole decode (%v); %d ends tried", steps, ferr, st.Abandoned)
			})
		}
	})

	t.Run("a request already ended reads not even the canvas", func(t *testing.T) {
		d := NewDecoder(Limits{})
		img := testkit.HugePNG(testkit.PNGSpec{Width: 2000, Height: 2000, Depth: 16, Color: testkit.PNGRGBA, Complete: true})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		var err error
		got := allocatedBy(func() { _, err = d.Decode(ctx, img) })
		if !errors.Is(err, context.Canceled) || got > 64<<10 {
			t.Fatalf("%v, %d bytes allocated", err, got)
		}
	})

	t.Run("a deadline that passes mid-decode stops it", func(t *testing.T) {
		d := NewDecoder(Limits{})
		img := testkit.HugePNG(testkit.PNGSpec{Width: 2000, Height: 2000, Depth: 8, Color: testkit.PNGGrey, Complete: true})
		ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
		defer cancel()
		if _, err := d.Decode(ctx, img); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("%v", err) // a whole decode of 9 MP takes far more than 1 ms
		}
	})
}
