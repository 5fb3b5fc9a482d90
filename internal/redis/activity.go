package redis

import (
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/recomengine/recomengine/internal/recom"
)

// ErrUnavailable is wrapped by the errors of Activity when Redis cannot serve it
// (unreachable, or loading, busy, read-only): the caller should read the store instead.
// Unlike the cache, Activity has no in-process fallback, since a partial copy of the
// recent events would silently mislead the engine.
var ErrUnavailable = recom.ErrActivityUnavailable

const (
	// activityTTL drops a user's keys after 30 idle days, and a tenant's trending after
	// 30 days without a weighted event (by then every score has halved 30 times).
	activityTTL = 30 * 24 * time.Hour
	// maxTrending is how many products per tenant keep a trending score; the ZSET is
	// cut back to it once it holds trendingSlack more, so the trim runs now and then.
	maxTrending   = 10_000
	trendingSlack = maxTrending / 10
	// maxExponent bounds the forward-decay exponent, as in inmem: landmarks lie on a grid
	// this many half-lives apart (landmarkPeriod), and when events reach the next one the
	// tenant's scores are rescaled to it, so they stay finite.
	maxExponent = 40
	// receivedDigits is the width of the hex receipt time (µs) in front of every member
	// of a user's events ZSET: of events with one timestamp, the one received later ranks
	// as newer (the API receives a batch's events a microsecond apart, in order). A tab
	// follows it, where members written before had the event type after a sequence number
	// of as many digits: older binaries cannot read the new members and read the store
	// instead.
	receivedDigits = 16
	// seqDigits is the width of the hex sequence number members had in front before.
	seqDigits = 16
)

var halfLifeMicros = recom.TrendingHalfLife.Microseconds()

// encodeRecent is the member of a user's events ZSET: the receipt time (else the
// timestamp) in µs as 16 hex digits, then what the engine reads of the event, as
// "<received>\t<type>\t<timestamp µs>\t<productId>" (the product last, so it may hold
// any character). The event alone makes it, so recording an event again (a replay after
// an outage, however the held events are grouped) keeps it once.
func encodeRecent(e *recom.Event) string {
	received := e.ReceivedAt
	if received.IsZero() {
		received = e.Timestamp
	}
	b := make([]byte, receivedDigits, receivedDigits+len(e.Type)+len(e.ProductID)+23)
	for i, v := receivedDigits-1, uint64(max(received.UnixMicro(), 0)); i >= 0; i, v = i-1, v>>4 {
		b[i] = "0123456789abcdef"[v&15]
	}
	b = append(append(append(b, '\t'), e.Type...), '\t')
	b = strconv.AppendInt(b, e.Timestamp.UnixMicro(), 10)
	return string(append(append(b, '\t'), e.ProductID...))
}

// decodeRecent reads a member written by encodeRecent, or as members were written
// before: a sequence number (16 hex digits) in front of "<type>\t<timestamp µs>\t
// <productId>" or of the whole event as JSON.
func decodeRecent(m string, e *recom.Event) bool {
	switch {
	case len(m) > receivedDigits && m[receivedDigits] == '\t':
		m = m[receivedDigits+1:]
	case len(m) >= seqDigits:
		m = m[seqDigits:]
	default:
		return false
	}
	if strings.HasPrefix(m, "{") {
		return json.Unmarshal([]byte(m), e) == nil
	}
	typ, rest, ok1 := strings.Cut(m, "\t")
	ts, product, ok2 := strings.Cut(rest, "\t")
	micros, err := strconv.ParseInt(ts, 10, 64)
	if !ok1 || !ok2 || err != nil {
		return false
	}
	e.Type, e.ProductID, e.Timestamp = recom.EventType(typ), product, time.UnixMicro(micros).UTC()
	return true
}

// activity is Client's recom.Activity. Keys, with the tenant as the Redis Cluster hash
// tag so one script touches one slot:
//
//	<prefix>act:{<tenant>}:u:<user>    ZSET: the newest MaxRecentEvents events, scored by
//	                                   timestamp (µs); member = receipt time, type, time
//	                                   and product (encodeRecent)
//	<prefix>act:{<tenant>}:trend       ZSET: product → forward-decayed score
//	<prefix>act:{<tenant>}:epoch       the landmark of those scores, µs since the Unix epoch
//
// (Versions before kept a sequence number per user at act:{<tenant>}:seq:<user>; those
// keys are no longer read, and expire.)
type activity struct{ c *Client }

// recordScript records one tenant's events in one step, so the scores and the landmark
// can never disagree. KEYS: epoch, trend, then each user's events. ARGV: ttl (ms), the
// rank to trim users' lists from (−maxRecent−1), halfLife (µs), maxTrending,
// trendingSlack, the landmark (µs: landmarkOf the newest weighted event), the number of
// users; then per user: the number of events sent (the newest, up to maxRecent) and
// that many (timestamp µs, member) pairs; then (product, Σ w·2^((ts−landmark)/halfLife))
// pairs. Three calls per user: ZADD, the trim and the TTL.
//
// Arguments go to redis.call as the strings they came as wherever they can: Lua formats
// a number anew for each call, and float formatting and parsing took a fifth of Redis's
// CPU here. So the landmark is the Go side's to choose, on a fixed grid, and the scores
// it sends are in its units: they pass to ZINCRBY untouched unless the batch's events
// are of a period older than the tenant's landmark (or it was set by versions before,
// which took the first event's time: such a landmark stays until the next period).
var recordScript = goredis.NewScript(`
local ttl, trimFrom, halfLife = ARGV[1], ARGV[2], tonumber(ARGV[3])
local keep, slack, landmark, users = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local a = 8
for u = 1, users do
  local list, m = KEYS[2 + u], tonumber(ARGV[a])
  redis.call('ZADD', list, unpack(ARGV, a + 1, a + 2*m))
  redis.call('ZREMRANGEBYRANK', list, '0', trimFrom)
  redis.call('PEXPIRE', list, ttl)
  a = a + 1 + 2*m
end
if a > #ARGV then
  return 0
end
local epoch = tonumber(redis.call('GET', KEYS[1]))
if not epoch then -- a new tenant, or one whose trending expired
  redis.call('DEL', KEYS[2])
  epoch = landmark
  redis.call('SET', KEYS[1], ARGV[6])
elseif landmark > epoch then -- a new period: rescale the scores to its landmark
  local f = 2 ^ ((epoch - landmark) / halfLife)
  local all = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
  for i = 1, #all, 2 do
    redis.call('ZADD', KEYS[2], tonumber(all[i + 1]) * f, all[i])
  end
  epoch = landmark
  redis.call('SET', KEYS[1], ARGV[6])
end
if epoch == landmark then
  for i = a, #ARGV, 2 do
    redis.call('ZINCRBY', KEYS[2], ARGV[i + 1], ARGV[i])
  end
else
  local f = 2 ^ ((landmark - epoch) / halfLife)
  for i = a, #ARGV, 2 do
    redis.call('ZINCRBY', KEYS[2], tonumber(ARGV[i + 1]) * f, ARGV[i])
  end
end
local card = redis.call('ZCARD', KEYS[2])
if card > keep + slack then
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, card - keep - 1)
end
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
return 0
`)

// landmarkPeriod is the grid of trending landmarks: maxExponent half-lives, so a stored
// score is at most 2^maxExponent times its weight.
var landmarkPeriod = maxExponent * halfLifeMicros

// landmarkOf is the landmark of scores for events up to t (µs since the Unix epoch): the
// start of its period.
func landmarkOf(t int64) int64 {
	return t - (t%landmarkPeriod+landmarkPeriod)%landmarkPeriod
}

// Record runs one script per tenant in the batch, all in one pipeline (one round trip).
func (x activity) Record(ctx context.Context, events []recom.Event) error {
	const op = "record activity"
	if len(events) == 0 {
		return nil
	}
	c := x.c
	if c.degraded.Load() {
		return c.unavailable(op)
	}
	calls, err := c.recordCalls(events)
	if err != nil {
		return fmt.Errorf("redis: %s: %w", op, err)
	}
	cmds := make([]*goredis.Cmd, len(calls))
	c.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, s := range calls {
			cmds[i] = recordScript.EvalSha(ctx, p, s.keys, s.args...)
		}
		return nil
	})
	// Redis forgot the script (restart, SCRIPT FLUSH): EVALSHA did nothing, so send the
	// source for those calls.
	var retry []int
	for i, cmd := range cmds {
		if goredis.HasErrorPrefix(cmd.Err(), "NOSCRIPT") {
			retry = append(retry, i)
		}
	}
	if len(retry) > 0 {
		c.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
			for _, i := range retry {
				cmds[i] = recordScript.Eval(ctx, p, calls[i].keys, calls[i].args...)
			}
			return nil
		})
	}
	for _, cmd := range cmds {
		if err := cmd.Err(); err != nil {
			return c.activityError(ctx, op, err)
		}
	}
	return nil
}

// RecentEvents reads the user's list in one command, sent with those of concurrent
// requests (reads.go). Its version is a hash of every
// member kept: the list is the same exactly when the version is (but for a chance of
// about 2⁻⁶²), which is all a cache keyed by it needs, and a replay changes nothing.
func (x activity) RecentEvents(ctx context.Context, tenantID, userID string, n int) ([]recom.Event, int64, error) {
	const op = "recent events"
	c := x.c
	if c.degraded.Load() {
		return nil, 0, c.unavailable(op)
	}
	// The whole list, whatever n: its version covers every event kept.
	list, err := c.readList(ctx, c.activityKey(tenantID, "u:", userID))
	if errors.Is(err, errDegraded) || errors.Is(err, errClosed) {
		return nil, 0, c.unavailable(op)
	}
	if err != nil {
		return nil, 0, c.activityError(ctx, op, err)
	}
	if len(list) == 0 {
		return nil, 0, nil
	}
	var h maphash.Hash
	h.SetSeed(versionSeed)
	for _, m := range list {
		var size [8]byte // each member's length first, so none can run into the next
		binary.LittleEndian.PutUint64(size[:], uint64(len(m)))
		h.Write(size[:])
		h.WriteString(m)
	}
	version := int64(h.Sum64()>>1) | 1 // positive: 0 is "no events"
	events := make([]recom.Event, max(0, min(n, len(list))))
	for i := range events {
		if !decodeRecent(list[i], &events[i]) {
			return nil, 0, fmt.Errorf("redis: %s: malformed event of %q: %.40q", op, userID, list[i])
		}
		events[i].TenantID, events[i].UserID = tenantID, userID
	}
	return events, version, nil
}

// versionSeed seeds the hash that versions users' lists: a version is compared only on
// the node that read it (its cache of ranked lists), so the seed is this process's.
var versionSeed = maphash.MakeSeed()

// Trending reads the landmark and the top scores in one transaction, so a rescale
// between them cannot skew the result. Equal scores come ordered by product ID,
// descending (ZREVRANGE).
func (x activity) Trending(ctx context.Context, tenantID string, n int, now time.Time) ([]recom.Scored, error) {
	const op = "trending"
	c := x.c
	if c.degraded.Load() {
		return nil, c.unavailable(op)
	}
	if n <= 0 {
		return nil, nil
	}
	var epoch *goredis.StringCmd
	var top *goredis.ZSliceCmd
	_, err := c.rdb.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		epoch = p.Get(ctx, c.activityKey(tenantID, "epoch", ""))
		top = p.ZRevRangeByScoreWithScores(ctx, c.activityKey(tenantID, "trend", ""),
			&goredis.ZRangeBy{Max: "+inf", Min: "(0", Count: int64(n)})
		return nil
	})
	if errors.Is(err, goredis.Nil) {
		return nil, nil // no landmark: the tenant has no trending
	}
	if err != nil {
		return nil, c.activityError(ctx, op, err)
	}
	e, err := epoch.Int64()
	if err != nil {
		return nil, fmt.Errorf("redis: %s: landmark of %q: %w", op, tenantID, err)
	}
	// Stored scores are in units of the landmark; convert them to now's.
	factor := math.Exp2(-float64(now.UnixMicro()-e) / float64(halfLifeMicros))
	var out []recom.Scored
	for _, z := range top.Val() {
		id, _ := z.Member.(string)
		if s := z.Score * factor; s > 0 { // a score may underflow after a long idle spell
			out = append(out, recom.Scored{ProductID: id, Score: s})
		}
	}
	return out, nil
}

// Forget deletes the tenant's keys: its users' events, its trending and its landmark,
// found by SCAN (in steps of 1,000) and removed with UNLINK, so Redis frees them in the
// background.
func (x activity) Forget(ctx context.Context, tenantID string) error {
	const op = "forget tenant"
	c := x.c
	if c.degraded.Load() {
		return c.unavailable(op)
	}
	// The key's own text is escaped: a prefix may hold a glob's special characters.
	pattern := globEscaper.Replace(c.activityKey(tenantID, "", "")) + "*"
	iter := c.rdb.Scan(ctx, 0, pattern, 1000).Iterator()
	var keys []string
	flush := func() error {
		if len(keys) == 0 {
			return nil
		}
		err := c.rdb.Unlink(ctx, keys...).Err()
		keys = keys[:0]
		return err
	}
	for iter.Next(ctx) {
		if keys = append(keys, iter.Val()); len(keys) == 1000 {
			if err := flush(); err != nil {
				return c.activityError(ctx, op, err)
			}
		}
	}
	if err := iter.Err(); err != nil {
		return c.activityError(ctx, op, err)
	}
	if err := flush(); err != nil {
		return c.activityError(ctx, op, err)
	}
	return nil
}

// globEscaper escapes what SCAN's MATCH pattern would read as a glob.
var globEscaper = strings.NewReplacer(`\`, `\\`, "*", `\*`, "?", `\?`, "[", `\[`, "]", `\]`)

// activityKey is <prefix>act:{<tenant>}:<kind><id>. The prefix must not contain '{',
// or Redis Cluster would hash on it instead of the tenant; tenant IDs (UUIDs) hold no '}'.
func (c *Client) activityKey(tenantID, kind, id string) string {
	return c.prefix + "act:{" + tenantID + "}:" + kind + id
}

// unavailable is the error of a call made while degraded: Redis is not tried.
func (c *Client) unavailable(op string) error {
	detail, _ := c.lastErr.Load().(string)
	return fmt.Errorf("redis: %s: %w (%s)", op, ErrUnavailable, detail)
}

// activityError wraps err from Redis. A failed connection turns the client degraded,
// as for the cache; it and the replies saying Redis cannot serve now wrap
// ErrUnavailable. Other replies (a wrong type, a script error) mean Redis is up but the
// call was wrong, and the context's end means the caller gave up: neither says Redis
// is unavailable.
func (c *Client) activityError(ctx context.Context, op string, err error) error {
	var reply goredis.Error
	switch {
	case ctx.Err() != nil:
	case !errors.As(err, &reply):
		c.markDown(err)
		return fmt.Errorf("redis: %s: %w: %w", op, ErrUnavailable, err)
	case goredis.IsLoadingError(err), goredis.IsReadOnlyError(err), goredis.IsMasterDownError(err),
		goredis.IsClusterDownError(err), goredis.IsTryAgainError(err), goredis.HasErrorPrefix(err, "BUSY"):
		return fmt.Errorf("redis: %s: %w: %w", op, ErrUnavailable, err)
	}
	return fmt.Errorf("redis: %s: %w", op, err)
}

// scriptCall is one EVALSHA of recordScript.
type scriptCall struct {
	keys []string
	args []any
}

// recordCalls makes one script call per tenant of the events. They are put in tenant,
// then user order (stably, so each user's events keep theirs) and taken a run at a time:
// no map of users or slice per user, which cost a third of building the calls.
func (c *Client) recordCalls(events []recom.Event) ([]scriptCall, error) {
	sorted := make([]*recom.Event, len(events))
	for i := range events {
		sorted[i] = &events[i]
	}
	slices.SortStableFunc(sorted, func(a, b *recom.Event) int {
		return cmp.Or(strings.Compare(a.TenantID, b.TenantID), strings.Compare(a.UserID, b.UserID))
	})
	var calls []scriptCall
	for len(sorted) > 0 {
		n := 1
		for n < len(sorted) && sorted[n].TenantID == sorted[0].TenantID {
			n++
		}
		calls = append(calls, c.tenantCall(sorted[:n]))
		sorted = sorted[n:]
	}
	return calls, nil
}

// tenantCall is the script call recording one tenant's events, given in user order.
func (c *Client) tenantCall(events []*recom.Event) scriptCall {
	tenant := events[0].TenantID
	var ref int64 // the newest weighted event's time
	hasRef := false
	for _, e := range events {
		if ts := e.Timestamp.UnixMicro(); recom.EventWeight(e.Type) != 0 && e.ProductID != "" && (!hasRef || ts > ref) {
			ref, hasRef = ts, true
		}
	}
	landmark := landmarkOf(ref)
	keys := []string{c.activityKey(tenant, "epoch", ""), c.activityKey(tenant, "trend", "")}
	args := make([]any, 7, 7+5*len(events)) // an event takes at most 5: its user's count, its pair, its product's
	args[0], args[1], args[2] = activityTTL.Milliseconds(), -recom.MaxRecentEvents-1, halfLifeMicros
	args[3], args[4], args[5] = maxTrending, trendingSlack, landmark
	weights := make(map[string]float64)
	var products []string // in order of first weight, so calls are alike for alike events
	for rest := events; len(rest) > 0; {
		n := 1
		for n < len(rest) && rest[n].UserID == rest[0].UserID {
			n++
		}
		user := rest[:n]
		rest = rest[n:]
		keys = append(keys, c.activityKey(tenant, "u:", user[0].UserID))
		// Only the newest MaxRecentEvents can be kept: send those; of equal timestamps
		// the one recorded later counts as newer (a stable sort).
		sent := user
		if len(sent) > recom.MaxRecentEvents {
			sent = slices.Clone(user)
			slices.SortStableFunc(sent, func(a, b *recom.Event) int { return a.Timestamp.Compare(b.Timestamp) })
			sent = sent[len(sent)-recom.MaxRecentEvents:]
		}
		args = append(args, len(sent))
		for _, e := range sent {
			args = append(args, e.Timestamp.UnixMicro(), encodeRecent(e))
		}
		for _, e := range user {
			if w := recom.EventWeight(e.Type); w != 0 && e.ProductID != "" {
				if _, ok := weights[e.ProductID]; !ok {
					products = append(products, e.ProductID)
				}
				weights[e.ProductID] += w * math.Exp2(float64(e.Timestamp.UnixMicro()-landmark)/float64(halfLifeMicros))
			}
		}
	}
	args[6] = len(keys) - 2 // users
	for _, p := range products {
		args = append(args, p, strconv.FormatFloat(weights[p], 'g', -1, 64))
	}
	return scriptCall{keys, args}
}
