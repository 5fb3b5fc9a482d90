package inmem_test

import (
	"testing"

	"github.com/recomengine/recomengine/internal/cachetest"
	"github.com/recomengine/recomengine/internal/inmem"
	"github.com/recomengine/recomengine/internal/recom"
)

func TestCache(t *testing.T) {
	cachetest.RunCache(t, func(t *testing.T) recom.Cache { return inmem.NewCache(1000) })
}

func TestLimiter(t *testing.T) {
	cachetest.RunLimiter(t, func(t *testing.T) recom.Limiter { return inmem.NewLimiter() })
}

func TestActivity(t *testing.T) {
	cachetest.RunActivity(t, func(t *testing.T) recom.Activity { return inmem.NewActivity(1000) })
}

func TestBus(t *testing.T) {
	cachetest.RunBus(t, func(t *testing.T) (recom.Bus, recom.Bus) { b := inmem.NewBus(); return b, b })
}
