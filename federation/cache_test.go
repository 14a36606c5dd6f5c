package federation

import (
	"fmt"
	"testing"
	"time"

	"github.com/hcgw/hcgw/mapping"
)

// TestFullCacheMakesRoomOnceForATenth: a full cache drops expired answers
// and then arbitrary ones down to 90% of its size, so the next tenth of
// puts find room without scanning it again.
func TestFullCacheMakesRoomOnceForATenth(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	st := mapping.LiveStatus{Status: mapping.Green, At: now}
	for name, tc := range map[string]struct {
		expired  int // of the 100 answers filling the cache
		wantLeft int // after the 101st put
	}{
		"all live: down to 90, then the new one": {0, 91},
		"40 expired: they go first":              {40, 61},
	} {
		t.Run(name, func(t *testing.T) {
			c := newAnswerCache(100, func() time.Time { return now })
			for i := range 100 {
				until := now.Add(time.Hour)
				if i < tc.expired {
					until = now.Add(-time.Second)
				}
				c.put(fmt.Sprint("k", i), st, nil, until)
			}
			c.put("new", st, nil, now.Add(time.Hour))
			if len(c.m) != tc.wantLeft {
				t.Fatalf("%d answers after the full cache made room, want %d", len(c.m), tc.wantLeft)
			}
			for k, e := range c.m {
				if now.UnixNano() >= e.end {
					t.Fatalf("expired answer %s kept", k)
				}
			}
			if _, _, ok := c.get("new", now); !ok {
				t.Fatal("the answer that made room is not cached")
			}
			// The next 9 puts fit without evicting anything.
			for i := range 9 {
				c.put(fmt.Sprint("more", i), st, nil, now.Add(time.Hour))
			}
			if len(c.m) != tc.wantLeft+9 {
				t.Fatalf("%d answers after 9 more puts, want %d: a put evicted again", len(c.m), tc.wantLeft+9)
			}
		})
	}
}
