package recom

import (
	"context"
	"hash/fnv"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ExperimentStatus is a step of an experiment's lifecycle (DESIGN §5).
type ExperimentStatus string

// Experiment statuses: draft → running ⇄ paused → completed.
const (
	ExperimentDraft     ExperimentStatus = "draft"
	ExperimentRunning   ExperimentStatus = "running"
	ExperimentPaused    ExperimentStatus = "paused"
	ExperimentCompleted ExperimentStatus = "completed"
)

// Experiment metrics and analysis methods.
const (
	MetricCTR            = "ctr"
	MetricConversionRate = "conversion_rate"
	MetricRevenuePerUser = "revenue_per_user"
	MethodSequential     = "sequential"
	MethodFixed          = "fixed"
)

// Experiment compares two strategies on one placement (FR-017).
type Experiment struct {
	ID              string           `json:"id"`
	TenantID        string           `json:"-"`
	Name            string           `json:"name"`
	Placement       string           `json:"placement"`
	Status          ExperimentStatus `json:"status"`
	ControlStrategy string           `json:"controlStrategy"`
	VariantStrategy string           `json:"variantStrategy"`
	ControlShare    float64          `json:"controlShare"`        // of users, 0.01–0.99
	PrimaryMetric   string           `json:"primaryMetric"`       // ctr, conversion_rate, revenue_per_user
	Method          string           `json:"method"`              // sequential (default) or fixed
	TargetMDE       *float64         `json:"targetMde,omitempty"` // relative lift to detect, e.g. 0.1
	CreatedAt       time.Time        `json:"createdAt"`
	UpdatedAt       time.Time        `json:"updatedAt"`
	StartedAt       *time.Time       `json:"startedAt"`
	EndedAt         *time.Time       `json:"endedAt"`
}

// ExperimentInput is the body of a create or update: absent fields keep their value (on
// create, their default).
type ExperimentInput struct {
	Name            *string  `json:"name"`
	Placement       *string  `json:"placement"`
	ControlStrategy *string  `json:"controlStrategy"`
	VariantStrategy *string  `json:"variantStrategy"`
	ControlShare    *float64 `json:"controlShare"`
	PrimaryMetric   *string  `json:"primaryMetric"`
	Method          *string  `json:"method"`
	TargetMDE       *float64 `json:"targetMde"`
}

// NewExperiment returns a draft of the tenant made of in, validated.
func NewExperiment(tenantID string, in ExperimentInput) (Experiment, error) {
	now := Now()
	e := Experiment{ID: NewID(), TenantID: tenantID, Status: ExperimentDraft, ControlShare: 0.5,
		PrimaryMetric: MetricConversionRate, Method: MethodSequential, CreatedAt: now, UpdatedAt: now}
	var fs []FieldError
	for field, v := range map[string]*string{"name": in.Name, "placement": in.Placement,
		"controlStrategy": in.ControlStrategy, "variantStrategy": in.VariantStrategy} {
		if v == nil {
			fs = append(fs, FieldError{Field: field, Message: "is required"})
		}
	}
	if len(fs) > 0 {
		slices.SortFunc(fs, func(a, b FieldError) int { return strings.Compare(a.Field, b.Field) })
		return Experiment{}, Invalid(fs...)
	}
	return e, e.Apply(in)
}

// Apply sets the fields given in in and validates the result. Once started, only the
// name and the target MDE may change: the split, the strategies, the placement and the
// analysis are frozen (DESIGN §5).
func (e *Experiment) Apply(in ExperimentInput) error {
	if e.Status != ExperimentDraft {
		var frozen []FieldError
		for field, given := range map[string]bool{"placement": in.Placement != nil, "controlStrategy": in.ControlStrategy != nil,
			"variantStrategy": in.VariantStrategy != nil, "controlShare": in.ControlShare != nil,
			"primaryMetric": in.PrimaryMetric != nil, "method": in.Method != nil} {
			if given {
				frozen = append(frozen, FieldError{Field: field, Message: "cannot change once the experiment has started"})
			}
		}
		if len(frozen) > 0 {
			slices.SortFunc(frozen, func(a, b FieldError) int { return strings.Compare(a.Field, b.Field) })
			return &Error{Code: CodeConflict, Message: "The experiment has started: its design is frozen.", Fields: frozen}
		}
	}
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	set(&e.Name, in.Name)
	set(&e.Placement, in.Placement)
	set(&e.ControlStrategy, in.ControlStrategy)
	set(&e.VariantStrategy, in.VariantStrategy)
	set(&e.PrimaryMetric, in.PrimaryMetric)
	set(&e.Method, in.Method)
	if in.ControlShare != nil {
		e.ControlShare = *in.ControlShare
	}
	if in.TargetMDE != nil {
		e.TargetMDE = in.TargetMDE
	}
	return e.validate()
}

func (e Experiment) validate() error {
	var fs []FieldError
	bad := func(field, msg string) { fs = append(fs, FieldError{Field: field, Message: msg}) }
	if e.Name == "" || len(e.Name) > 200 || !validID(e.Name, 200) {
		bad("name", "must be 1 to 200 printable characters")
	}
	if !ValidPlacement(e.Placement) {
		bad("placement", PlacementRule)
	}
	if !slices.Contains(Strategies, e.ControlStrategy) {
		bad("controlStrategy", "must be one of "+strings.Join(Strategies, ", "))
	}
	if !slices.Contains(Strategies, e.VariantStrategy) {
		bad("variantStrategy", "must be one of "+strings.Join(Strategies, ", "))
	}
	if math.IsNaN(e.ControlShare) || e.ControlShare < 0.01 || e.ControlShare > 0.99 {
		bad("controlShare", "must be between 0.01 and 0.99")
	}
	if !slices.Contains([]string{MetricCTR, MetricConversionRate, MetricRevenuePerUser}, e.PrimaryMetric) {
		bad("primaryMetric", "must be one of ctr, conversion_rate, revenue_per_user")
	}
	if e.Method != MethodSequential && e.Method != MethodFixed {
		bad("method", "must be sequential or fixed")
	}
	if e.TargetMDE != nil && (math.IsNaN(*e.TargetMDE) || *e.TargetMDE <= 0 || *e.TargetMDE > 10) {
		bad("targetMde", "must be a relative lift above 0 and at most 10 (1000 %)")
	}
	if len(fs) > 0 {
		return Invalid(fs...)
	}
	return nil
}

// MoveTo changes the status along the lifecycle: draft → running ⇄ paused → completed
// (draft may also be completed, abandoned). It stamps StartedAt and EndedAt.
func (e *Experiment) MoveTo(s ExperimentStatus, now time.Time) error {
	allowed := map[ExperimentStatus][]ExperimentStatus{
		ExperimentDraft:   {ExperimentRunning, ExperimentCompleted},
		ExperimentRunning: {ExperimentPaused, ExperimentCompleted},
		ExperimentPaused:  {ExperimentRunning, ExperimentCompleted},
	}
	if !slices.Contains(allowed[e.Status], s) {
		return Errorf(CodeConflict, "A %s experiment cannot become %s.", e.Status, s)
	}
	if e.StartedAt == nil && s == ExperimentRunning {
		e.StartedAt = &now
	}
	if s == ExperimentCompleted {
		e.EndedAt = &now
	}
	e.Status, e.UpdatedAt = s, now
	return nil
}

// Active reports whether the experiment holds its placement (running or paused).
func (e Experiment) Active() bool {
	return e.Status == ExperimentRunning || e.Status == ExperimentPaused
}

// Arm returns the user's arm and its strategy (FR-017, DESIGN §5): bucket =
// fnv1a32(decimal(fnv1a32(userId + experimentId))) mod 10000; control when bucket <
// controlShare·10000. The same user gets the same arm on every request and node.
func (e Experiment) Arm(userID string) (variant, strategy string) {
	h := fnv.New32a()
	h.Write([]byte(userID + e.ID))
	inner := strconv.FormatUint(uint64(h.Sum32()), 10)
	h.Reset()
	h.Write([]byte(inner))
	if bucket := h.Sum32() % 10000; float64(bucket) < e.ControlShare*10000 {
		return Control, e.ControlStrategy
	}
	return Variant, e.VariantStrategy
}

// ExperimentFilter selects a tenant's experiments for a list, newest first.
type ExperimentFilter struct {
	Status    ExperimentStatus
	Placement string
	Page      Page
}

// Exposure is the first time a user was served by an experiment.
type Exposure struct {
	ExperimentID string
	UserID       string
	Variant      string
	At           time.Time
}

// ArmDay is one arm's users exposed on one day.
type ArmDay struct {
	Day     time.Time
	Variant string
	Users   int64
}

// ExperimentUserDay is one user's activity in an experiment on one day: impressions and
// clicks of the experiment's answers, and the purchase lines they earned.
type ExperimentUserDay struct {
	ExperimentID string
	Variant      string
	UserID       string
	Day          time.Time
	Counts
}

// ExperimentStore keeps experiments and their exposures.
type ExperimentStore interface {
	// CreateExperiment stores a new experiment. Returns CodeConflict if it is active and
	// another active one holds its placement.
	CreateExperiment(ctx context.Context, e Experiment) (Experiment, error)
	// FindExperiment returns CodeNotFound if the tenant has no such experiment.
	FindExperiment(ctx context.Context, tenantID, id string) (Experiment, error)
	// FindExperiments lists the tenant's experiments newest first, with the total.
	FindExperiments(ctx context.Context, tenantID string, f ExperimentFilter) ([]Experiment, int, error)
	// UpdateExperiment replaces the experiment's fields if it is still as read: its stored
	// UpdatedAt is prev (so two concurrent changes cannot undo each other). Returns
	// CodeConflict if it changed meanwhile, or if it becomes active while another active
	// one holds its placement (one per placement, FR-019: atomic, whatever runs
	// concurrently); CodeNotFound if it does not exist.
	UpdateExperiment(ctx context.Context, e Experiment, prev time.Time) (Experiment, error)
	// ActiveExperiments returns the tenant's running and paused experiments.
	ActiveExperiments(ctx context.Context, tenantID string) ([]Experiment, error)
	// RecordExposures stores the exposures of the tenant not stored yet (the first one
	// of a user in an experiment wins) and reports how many were new.
	RecordExposures(ctx context.Context, tenantID string, xs []Exposure) (int, error)
	// ExposureDays counts the experiment's users by day of first exposure and arm,
	// oldest first.
	ExposureDays(ctx context.Context, tenantID, experimentID string) ([]ArmDay, error)
	// ExperimentUserDays returns the experiment's per-user daily activity, oldest day
	// first (rows are written by AnalyticsStore.ReplaceDay from DayRollup.Users).
	ExperimentUserDays(ctx context.Context, tenantID, experimentID string) ([]ExperimentUserDay, error)
}

// Arm is what an experiment decided for one request: the experiment, the user's arm and
// its strategy.
type Arm struct {
	ExperimentID string
	Variant      string
	Strategy     string
}
