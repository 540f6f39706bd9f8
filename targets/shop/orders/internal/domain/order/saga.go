package order

import (
	"fmt"
	"time"
)

// Step is one remote step of the order saga. The saga runs Steps in this order and
// compensates the ones that may have taken effect in reverse order.
type Step string

const (
	StepReserveStock  Step = "reserve_stock"
	StepChargePayment Step = "charge_payment"
)

// Steps lists the saga steps in execution order. Confirmation follows the last one.
var Steps = []Step{StepReserveStock, StepChargePayment}

// StepState is the persisted progress of one step.
type StepState string

const (
	// StepStarted: the step was (or is about to be) sent; its outcome is unknown until
	// it is done or rejected. A process that dies here resumes by repeating the
	// idempotent call, or compensates it because it may have taken effect.
	StepStarted StepState = "started"
	// StepDone: the step took effect; its compensation is registered.
	StepDone StepState = "done"
	// StepRejected: the dependency refused the step (a business failure): it took no
	// effect and needs no compensation.
	StepRejected StepState = "rejected"
	// StepCompensated: the step's compensation took effect.
	StepCompensated StepState = "compensated"
)

// StepRecord is the stored state of one step. Ref keeps what the compensation needs
// (the payment ID of a charge).
type StepRecord struct {
	Step      Step
	State     StepState
	Ref       string
	UpdatedAt time.Time
}

// NeedsCompensation reports whether the step may have taken effect and was not yet undone.
func (r StepRecord) NeedsCompensation() bool {
	return r.State == StepStarted || r.State == StepDone
}

// Step returns the record of step s, if the saga reached it.
func (o *Order) Step(s Step) (StepRecord, bool) {
	for _, r := range o.steps {
		if r.Step == s {
			return r, true
		}
	}
	return StepRecord{}, false
}

// StepRecords returns the records of the steps the saga reached, in execution order.
func (o *Order) StepRecords() []StepRecord { return append([]StepRecord(nil), o.steps...) }

// Compensating reports whether the saga failed and is undoing its steps.
func (o *Order) Compensating() bool { return o.compensating }

// FailureReason says why the saga is compensating; it becomes the cancellation reason.
func (o *Order) FailureReason() string { return o.failureReason }

// PaymentID is the payment the charge step created, empty when unknown.
func (o *Order) PaymentID() string {
	rec, _ := o.Step(StepChargePayment)
	return rec.Ref
}

func (o *Order) checkRunning(action string) error {
	if o.status != StatusPending {
		return fmt.Errorf("%w: %s on order in status %s", ErrInvalidTransition, action, o.status)
	}
	return nil
}

func (o *Order) setStep(s Step, state StepState, ref string, now time.Time) {
	now = normalize(now)
	o.updatedAt = now
	for i := range o.steps {
		if o.steps[i].Step == s {
			o.steps[i].State, o.steps[i].UpdatedAt = state, now
			if ref != "" {
				o.steps[i].Ref = ref
			}
			return
		}
	}
	o.steps = append(o.steps, StepRecord{Step: s, State: state, Ref: ref, UpdatedAt: now})
}

func knownStep(s Step) bool {
	for _, k := range Steps {
		if k == s {
			return true
		}
	}
	return false
}

// StartStep records that step s is about to be sent. Starting a step that is already
// started is allowed (a resumed saga repeats the idempotent call); steps start in order.
func (o *Order) StartStep(s Step, now time.Time) error {
	if err := o.checkRunning("start " + string(s)); err != nil {
		return err
	}
	if !knownStep(s) {
		return fmt.Errorf("%w: unknown step %q", ErrInvalidTransition, s)
	}
	if o.compensating {
		return fmt.Errorf("%w: start %s while compensating", ErrInvalidTransition, s)
	}
	if rec, ok := o.Step(s); ok {
		if rec.State == StepStarted {
			return nil
		}
		return fmt.Errorf("%w: start %s in state %s", ErrInvalidTransition, s, rec.State)
	}
	for _, prev := range Steps {
		if prev == s {
			break
		}
		if rec, ok := o.Step(prev); !ok || rec.State != StepDone {
			return fmt.Errorf("%w: start %s before %s is done", ErrInvalidTransition, s, prev)
		}
	}
	o.setStep(s, StepStarted, "", now)
	return nil
}

// CompleteStep records that step s took effect; ref is what its compensation needs.
func (o *Order) CompleteStep(s Step, ref string, now time.Time) error {
	if err := o.checkRunning("complete " + string(s)); err != nil {
		return err
	}
	if rec, ok := o.Step(s); !ok || rec.State != StepStarted || o.compensating {
		return fmt.Errorf("%w: complete %s that is not running", ErrInvalidTransition, s)
	}
	o.setStep(s, StepDone, ref, now)
	return nil
}

// RejectStep records a business refusal of step s (it took no effect) and starts
// compensating the steps before it.
func (o *Order) RejectStep(s Step, reason string, now time.Time) error {
	if err := o.checkRunning("reject " + string(s)); err != nil {
		return err
	}
	if rec, ok := o.Step(s); !ok || rec.State != StepStarted || o.compensating {
		return fmt.Errorf("%w: reject %s that is not running", ErrInvalidTransition, s)
	}
	o.setStep(s, StepRejected, "", now)
	return o.BeginCompensation(reason, now)
}

// BeginCompensation records that the saga failed for reason and must undo the steps
// that may have taken effect (a started step whose outcome is unknown included).
func (o *Order) BeginCompensation(reason string, now time.Time) error {
	if err := o.checkRunning("compensate"); err != nil {
		return err
	}
	if reason == "" {
		return fmt.Errorf("%w: compensation needs a reason", ErrInvalidTransition)
	}
	if o.compensating {
		return nil
	}
	o.compensating = true
	o.failureReason = reason
	o.updatedAt = normalize(now)
	return nil
}

// MarkCompensated records that the compensation of step s took effect.
func (o *Order) MarkCompensated(s Step, now time.Time) error {
	if err := o.checkRunning("mark " + string(s) + " compensated"); err != nil {
		return err
	}
	rec, ok := o.Step(s)
	if !o.compensating || !ok || !rec.NeedsCompensation() {
		return fmt.Errorf("%w: compensate %s that needs no compensation", ErrInvalidTransition, s)
	}
	o.setStep(s, StepCompensated, "", now)
	return nil
}
