package service

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	ds "github.com/ipfs/go-datastore"
	pebbleds "github.com/ipfs/go-ds-pebble"
)

func openPebble(t *testing.T) ds.Batching {
	t.Helper()
	store, err := pebbleds.NewDatastore(t.TempDir())
	if err != nil {
		t.Fatalf("opening pebble: %v", err)
	}
	return store
}

// The reason for the guard: the CI run of 2026-12-07 died in pebble, synced by the reprovider's
// queue after the peer had closed its store.
func TestAClosedPebbleStorePanicsOnSyncButTheGuardedOneFails(t *testing.T) {
	ctx := context.Background()
	bare := openPebble(t)
	if err := bare.Close(); err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Log("this pebble no longer panics on a closed store; the guard is still harmless")
			}
		}()
		_ = bare.Sync(ctx, ds.NewKey(""))
	}()

	guarded := guardStore(openPebble(t)).(ds.Batching)
	batch, err := guarded.Batch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := guarded.Close(); err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func() error{
		"sync":   func() error { return guarded.Sync(ctx, ds.NewKey("")) },
		"put":    func() error { return guarded.Put(ctx, ds.NewKey("/k"), []byte("v")) },
		"delete": func() error { return guarded.Delete(ctx, ds.NewKey("/k")) },
		"commit": func() error { return batch.Commit(ctx) },
		"close":  func() error { return guarded.Close() },
	} {
		if err := call(); name == "close" && err != nil || name != "close" && !errors.Is(err, errStoreClosed) {
			t.Errorf("%s after close: got %v", name, err)
		}
	}
}

func TestClosingTheGuardedStoreWhileWritersRunNeitherPanicsNorLosesAnAcknowledgedWrite(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	inner, err := pebbleds.NewDatastore(dir)
	if err != nil {
		t.Fatal(err)
	}
	guarded := guardStore(inner).(ds.Batching)
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		acked  []ds.Key
		enough = make(chan struct{})
		once   sync.Once
	)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				key := ds.NewKey(fmt.Sprintf("/w%d/%d", w, i))
				err := guarded.Put(ctx, key, []byte{byte(i)})
				if err == nil {
					err = guarded.Sync(ctx, ds.NewKey(""))
				}
				if err != nil {
					if !errors.Is(err, errStoreClosed) {
						t.Errorf("writer %d: %v", w, err)
					}
					return
				}
				mu.Lock()
				if acked = append(acked, key); len(acked) == 100 {
					once.Do(func() { close(enough) })
				}
				mu.Unlock()
			}
		}(w)
	}
	<-enough
	if err := guarded.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	wg.Wait()
	reopened, err := pebbleds.NewDatastore(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer reopened.Close()
	for _, key := range acked {
		if ok, err := reopened.Has(ctx, key); err != nil || !ok {
			t.Fatalf("%s was acknowledged before the close but is missing after reopening (%v)", key, err)
		}
	}
}
