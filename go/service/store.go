package service

import (
	"context"
	"errors"
	"sync"

	ds "github.com/ipfs/go-datastore"
	"github.com/ipfs/go-datastore/query"
)

// errStoreClosed is what a component that outlives the peer's shutdown gets from the datastore.
var errStoreClosed = errors.New("the cluster peer's datastore is closed (the peer has shut down)")

// closingStore keeps late callers away from a closed datastore. The CRDT consensus's IPFS-lite
// peer closes its reprovider in a goroutine once its context is cancelled, so the reprovider's
// queue can still write and sync after Cluster.Shutdown has returned; pebble panics on any write
// to a closed database. Here such a call gets errStoreClosed (the queue logs it), and Close waits
// for the calls already inside the store.
type closingStore struct {
	inner  ds.Batching
	mu     sync.RWMutex
	closed bool
}

// guardStore wraps a batching datastore; any other kind is returned as it is.
func guardStore(store ds.Datastore) ds.Datastore {
	if b, ok := store.(ds.Batching); ok {
		return &closingStore{inner: b}
	}
	return store
}

// enter admits a call unless the store is closed; the caller must call leave when it returns.
func (s *closingStore) enter() error {
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return errStoreClosed
	}
	return nil
}

func (s *closingStore) leave() { s.mu.RUnlock() }

func (s *closingStore) Get(ctx context.Context, key ds.Key) ([]byte, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
	return s.inner.Get(ctx, key)
}

func (s *closingStore) Has(ctx context.Context, key ds.Key) (bool, error) {
	if err := s.enter(); err != nil {
		return false, err
	}
	defer s.leave()
	return s.inner.Has(ctx, key)
}

func (s *closingStore) GetSize(ctx context.Context, key ds.Key) (int, error) {
	if err := s.enter(); err != nil {
		return -1, err
	}
	defer s.leave()
	return s.inner.GetSize(ctx, key)
}

// Query is only guarded at its start: a datastore ends its own result streams when it closes.
func (s *closingStore) Query(ctx context.Context, q query.Query) (query.Results, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
	return s.inner.Query(ctx, q)
}

func (s *closingStore) Put(ctx context.Context, key ds.Key, value []byte) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	return s.inner.Put(ctx, key, value)
}

func (s *closingStore) Delete(ctx context.Context, key ds.Key) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	return s.inner.Delete(ctx, key)
}

func (s *closingStore) Sync(ctx context.Context, prefix ds.Key) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	return s.inner.Sync(ctx, prefix)
}

func (s *closingStore) Batch(ctx context.Context) (ds.Batch, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
	b, err := s.inner.Batch(ctx)
	if err != nil {
		return nil, err
	}
	return &closingBatch{store: s, inner: b}, nil
}

// Close closes the inner datastore once the calls inside it have returned; later calls fail.
func (s *closingStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	return s.inner.Close()
}

// closingBatch is a batch of a closingStore: committing it after the store closed fails too.
type closingBatch struct {
	store *closingStore
	inner ds.Batch
}

func (b *closingBatch) Put(ctx context.Context, key ds.Key, value []byte) error {
	if err := b.store.enter(); err != nil {
		return err
	}
	defer b.store.leave()
	return b.inner.Put(ctx, key, value)
}

func (b *closingBatch) Delete(ctx context.Context, key ds.Key) error {
	if err := b.store.enter(); err != nil {
		return err
	}
	defer b.store.leave()
	return b.inner.Delete(ctx, key)
}

func (b *closingBatch) Commit(ctx context.Context) error {
	if err := b.store.enter(); err != nil {
		return err
	}
	defer b.store.leave()
	return b.inner.Commit(ctx)
}
