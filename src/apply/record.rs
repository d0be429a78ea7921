//! The journal's records, as types: what apply writes is exactly what `status` and the resume
//! path read back, and `packetc schema journal` derives docs/schema/journal.schema.json from
//! these same types (so the documented format cannot drift from the written one).
//!
//! Every line is one [`Entry`]: the run id and time every record carries, plus one [`Record`]
//! tagged by its `record` field.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Version of the record layout. 2: typed records with a run id (1 had no `run`).
pub const SCHEMA_VERSION: u32 = 2;

/// How much of each output stream a record keeps: the first and the last half of this.
pub const KEPT_BYTES: usize = 16 * 1024;

/// One journal line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Entry {
    /// The run this record belongs to (one per `packetc apply` invocation).
    pub run: String,
    /// When the record was written (RFC 3339, UTC, milliseconds).
    pub time: String,
    #[serde(flatten)]
    pub record: Record,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "record", rename_all = "snake_case")]
pub enum Record {
    /// The run began (written before anything reaches the channel).
    Start(Start),
    /// The read-only round trip that checks the channel.
    Probe(Probe),
    /// The advisory lock that keeps a second apply of the same packet out.
    Lock(Lock),
    /// `--override-proof REASON`: the run goes on without a fresh proof record.
    ProofOverride(ProofOverride),
    /// The target's schema fingerprint compared with the proof's, before the forward steps.
    Schema(SchemaCheck),
    /// The live state, read-only, through the packet's metrics.
    State(State),
    /// What the run decided to do next, and why.
    Decision(Decision),
    /// A step is being sent.
    StepStart(StepStart),
    /// A step ended.
    StepEnd(StepEnd),
    /// The run ended.
    End(End),
}

/// What this run is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// `packetc apply PACKET`: the forward steps, resuming where the live state says.
    Apply,
    /// `packetc apply PACKET --rollback --confirm-rollback`.
    Rollback,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Start {
    /// The record layout version ([`SCHEMA_VERSION`]).
    pub schema: u32,
    pub mode: Mode,
    pub packetc_version: String,
    pub packet: String,
    pub packet_dir: String,
    pub spec: String,
    pub spec_sha256: String,
    pub database: String,
    pub channel: ChannelInfo,
    /// The given variables (not secrets).
    pub vars: BTreeMap<String, String>,
    pub steps: Vec<StepInfo>,
    pub limits: Limits,
    pub pid: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ChannelInfo {
    /// packet.yaml, --channel or --database-url.
    pub source: String,
    /// The command (a password in a URL is masked).
    pub command: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StepInfo {
    pub step: usize,
    pub role: String,
    pub script: String,
    pub path: String,
    pub sha256: String,
    /// stop | stop_and_rollback.
    pub stop: String,
}

/// The time bounds of every step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Limits {
    /// Wall-clock limit of one channel run, and its `statement_timeout` (for a step: unless
    /// the spec sets the step's own `time_limit` and `--step-timeout` was not given).
    pub step_ms: u64,
    /// `step_ms` came from `--step-timeout` (and overrides every step's `time_limit`).
    pub step_from_flag: bool,
    /// `lock_timeout` of steps that do not set their own.
    pub lock_ms: u64,
    /// Attempts of a read-only step whose evidence was incomplete.
    pub attempts: u32,
}

/// One output stream, bounded: at most [`KEPT_BYTES`] of it are kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Captured {
    /// The text kept (the head and the tail when the stream was longer).
    pub text: String,
    /// How many bytes the stream had in all.
    pub bytes: u64,
    /// Whether bytes were left out of `text`.
    pub truncated: bool,
}

impl Captured {
    /// Keep the head and the tail of `text` when it is longer than [`KEPT_BYTES`].
    #[must_use]
    pub fn bounded(text: &str, total: u64) -> Captured {
        if text.len() <= KEPT_BYTES && total == text.len() as u64 {
            return Captured {
                text: text.to_owned(),
                bytes: total,
                truncated: false,
            };
        }
        let half = KEPT_BYTES / 2;
        let head = floor_char(text, half.min(text.len()));
        let tail = ceil_char(text, text.len().saturating_sub(half).max(head));
        Captured {
            text: format!(
                "{}\n[... packetc kept {} of {total} bytes ...]\n{}",
                &text[..head],
                head + (text.len() - tail),
                &text[tail..]
            ),
            bytes: total,
            truncated: true,
        }
    }
}

fn floor_char(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// Why packetc ended a channel itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EndedBy {
    Sigint,
    Sigterm,
    Sighup,
    /// The step's time limit passed.
    Timeout,
}

/// What every channel run records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ChannelRun {
    pub started: String,
    pub ended: String,
    pub duration_ms: u64,
    /// Exit code of sh / psql; null when a signal ended it.
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    /// Set when packetc ended the channel.
    pub ended_by: Option<EndedBy>,
    pub stdout: Captured,
    pub stderr: Captured,
    /// False when the output pipes were still open after the channel exited.
    pub output_complete: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProbeResult {
    Ok,
    Refused,
    Interrupted,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Probe {
    pub result: ProbeResult,
    pub database: Option<String>,
    pub user: Option<String>,
    pub error: Option<String>,
    pub channel_run: ChannelRun,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ProofOverride {
    /// The operator's reason, as given.
    pub reason: String,
    /// What is wrong with the proof record (missing, stale, failed).
    pub problem: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SchemaCheck {
    /// `equal`, `cosmetic`, `different`, `unreadable` or `failed`.
    pub result: String,
    /// The comparison's details: server version, both hashes, the objects that differ.
    pub detail: SchemaDetail,
}

/// The details of a schema comparison. Fields in alphabetical order: the record's bytes are
/// those of the untyped map it replaced.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SchemaDetail {
    /// Why there was no comparison (the query failed, or its output could not be read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The cosmetic or differing objects (empty when equal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objects: Option<Vec<String>>,
    /// The proof's fingerprint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proven_sha256: Option<String>,
    /// `equal`, `cosmetic`, `different` or `unreadable` (absent when the query failed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// The target's PostgreSQL version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_version: Option<String>,
    /// The target's fingerprint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_sha256: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Lock {
    pub acquired: bool,
    /// The advisory lock key: `pg_try_advisory_lock(key1, key2)`.
    pub key: [i64; 2],
    /// Who holds it, when another session does.
    pub holder: Option<String>,
}

/// How the live state compares with what the spec expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Classified {
    /// Every metric has its value from before the change.
    NotApplied,
    /// Every metric has its value after the change (the final state).
    Applied,
    /// Neither: drift, a partial change, or someone else's rows.
    Other,
    /// The state could not be read.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct State {
    /// Why it was read: `resume`, `commit_unknown`, `rollback`.
    pub purpose: String,
    pub classified: Classified,
    /// metric name → live value (as PostgreSQL prints it; NULL for null).
    pub metrics: BTreeMap<String, String>,
    /// The metrics that are neither their before nor their after value.
    pub mismatches: Vec<String>,
    pub error: Option<String>,
    pub channel_run: Option<ChannelRun>,
}

/// The resume cases and the other decisions a run takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Case {
    /// The live state is the before state: run from the preflight.
    NotApplied,
    /// The change is in but no verify after it is journaled: run the verify.
    AppliedNotVerified,
    /// The change is in and was verified: nothing to do (this is never journaled).
    AppliedAndVerified,
    /// Anything else: stop.
    Other,
    /// A COMMIT whose acknowledgement never came: the live state says it committed.
    CommitConfirmed,
    /// A COMMIT whose acknowledgement never came: the live state says it did not commit.
    CommitNotApplied,
    /// The rollback's live state is already the before state: nothing to roll back.
    NothingToRollBack,
    /// `--repeat`: an iteration of a repeatable shape starts (the live state shows work to do).
    RepeatIteration,
    /// `--repeat`: the loop ends because there is nothing left to do.
    NothingLeft,
    /// `--repeat N`: the loop ends because N iterations ran.
    RepeatBound,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Decision {
    pub case: Case,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StepStart {
    pub step: usize,
    pub role: String,
    pub script: String,
    pub path: String,
    /// SHA-256 of the committed bytes sent.
    pub sha256: String,
    /// 1 for the first try of this step in this run.
    pub attempt: u32,
    pub channel: String,
    /// The lines sent before the script: ON_ERROR_STOP, the time bounds, the `\set` lines.
    pub prelude: String,
    /// The line psql echoes at the commit point (null for read-only steps).
    pub commit_marker: Option<String>,
    pub limit_ms: u64,
}

/// What a step's run came to, judged by the evidence in its output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepOutcome {
    /// Every gate, delta and expectation was observed, and for a transaction the COMMIT.
    Ok,
    /// A packetc assertion failed: evidence that the state is not what the step needs.
    Failed,
    /// psql reported an error that is not an assertion (lock or statement timeout, lost
    /// connection, ...): no evidence either way.
    Error,
    /// The channel ended before everything the step must show was seen.
    Incomplete,
    /// Ctrl-C / SIGTERM / SIGHUP: packetc ended the channel.
    Interrupted,
    /// The step's time limit passed: packetc ended the channel.
    TimedOut,
}

/// For a transaction step: did its COMMIT happen?
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Committed {
    /// psql printed COMMIT.
    Yes,
    /// The COMMIT line was never sent (or PostgreSQL answered ROLLBACK): nothing changed.
    No,
    /// The COMMIT line was sent and no answer came: only the live state can tell.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Observed {
    /// gate | expect | before | after.
    pub phase: String,
    pub metric: String,
    pub observed: String,
    pub expected: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StepEnd {
    pub step: usize,
    pub role: String,
    pub script: String,
    pub attempt: u32,
    pub outcome: StepOutcome,
    /// Null for read-only steps.
    pub committed: Option<Committed>,
    /// psql echoed the commit-point marker / packetc sent the COMMIT line.
    pub commit_point_reached: Option<bool>,
    pub commit_sent: Option<bool>,
    pub observations: Vec<Observed>,
    /// `phase metric` pairs the spec declares that were not observed.
    pub missing: Vec<String>,
    /// The failed assertion, as PostgreSQL raised it.
    pub failure: Option<String>,
    /// The first error that was not an assertion.
    pub other_error: Option<String>,
    /// One line on why the step did not pass (empty when ok).
    pub why: String,
    pub channel_run: Option<ChannelRun>,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every forward step passed (or the verify passed on resume): applied and verified.
    Applied,
    /// `--rollback`: the rollback passed.
    RolledBack,
    /// A step failed or could not show its evidence; the message says what is committed.
    Stopped,
    /// The verify failed and the rollback passed.
    VerifyFailedRolledBack,
    RollbackFailed,
    Interrupted,
    /// A record could not be written; no further step started.
    JournalFailed,
    /// The probe failed (exit 2).
    Refused,
    /// Another apply holds the packet's advisory lock.
    Locked,
    /// The target's schema differs from the one the proof ran on; no step was run.
    SchemaDiffers,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct End {
    pub outcome: Outcome,
    pub exit_code: i32,
    pub message: String,
    /// What is committed in the database, as far as this run knows.
    pub committed: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_round_trips_with_its_tag_flat() {
        let e = Entry {
            run: "r1".into(),
            time: "2026-12-01T00:00:00.000Z".into(),
            record: Record::Decision(Decision {
                case: Case::NotApplied,
                message: "m".into(),
            }),
        };
        let text = serde_json::to_string(&e).expect("json");
        assert_eq!(
            text,
            r#"{"run":"r1","time":"2026-12-01T00:00:00.000Z","record":"decision","case":"not_applied","message":"m"}"#
        );
        let back: Entry = serde_json::from_str(&text).expect("parse");
        assert_eq!(back, e);
    }

    #[test]
    fn captured_output_is_bounded_on_char_boundaries() {
        let big = "é".repeat(KEPT_BYTES);
        let c = Captured::bounded(&big, big.len() as u64);
        assert!(c.truncated && c.text.len() < KEPT_BYTES + 100);
        assert_eq!(c.bytes, big.len() as u64);
        let small = Captured::bounded("ok\n", 3);
        assert!(!small.truncated);
        assert_eq!(small.text, "ok\n");
    }
}

#[cfg(test)]
mod schema_detail_tests {
    use super::SchemaDetail;

    #[test]
    fn schema_detail_bytes_are_those_of_the_map_it_replaced() {
        let full = SchemaDetail {
            result: Some("cosmetic".into()),
            server_version: Some("15.8".into()),
            target_sha256: Some("t".into()),
            proven_sha256: Some("p".into()),
            objects: Some(vec!["public.v".into()]),
            error: None,
        };
        let old = serde_json::json!({
            "result": "cosmetic", "server_version": "15.8", "target_sha256": "t",
            "proven_sha256": "p", "objects": ["public.v"],
        });
        let text = serde_json::to_string(&full).expect("json");
        assert_eq!(text, serde_json::to_string(&old).expect("json"));
        let failed = SchemaDetail {
            error: Some("boom".into()),
            ..SchemaDetail::default()
        };
        assert_eq!(
            serde_json::to_string(&failed).expect("json"),
            r#"{"error":"boom"}"#
        );
        let back: SchemaDetail = serde_json::from_str(&text).expect("reads back");
        assert_eq!(back, full);
    }
}
