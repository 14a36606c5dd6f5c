package federation

import (
	"errors"
	"fmt"
	"io"
	"testing"
)

// TestFreshBodySignsEachAttemptOnce: the read made while the request is
// built (retryablehttp's length probe) and the first attempt send one
// signature; every later attempt a new one; a body read only after the
// request is made signs at every read.
func TestFreshBodySignsEachAttemptOnce(t *testing.T) {
	read := func(b *freshBody) string {
		t.Helper()
		r, err := b.read()
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(r)
		return string(out)
	}
	signs := 0
	sign := func() (string, error) { signs++; return fmt.Sprintf("tok-%d", signs), nil }

	b := &freshBody{sign: sign}
	probe := read(b)
	b.made = true
	got := []string{probe, read(b), read(b), read(b)}
	want := []string{"tok-1", "tok-1", "tok-2", "tok-3"}
	if fmt.Sprint(got) != fmt.Sprint(want) || signs != 3 {
		t.Fatalf("probe then three attempts sent %v with %d signatures; want %v with 3", got, signs, want)
	}

	signs = 0
	b = &freshBody{sign: sign, made: true} // no probe
	if got := []string{read(b), read(b)}; fmt.Sprint(got) != "[tok-1 tok-2]" || signs != 2 {
		t.Fatalf("two attempts without a probe sent %v with %d signatures", got, signs)
	}

	b = &freshBody{sign: func() (string, error) { return "", errors.New("no key") }}
	if _, err := b.read(); err == nil {
		t.Fatal("a failed signature was sent")
	}
}
