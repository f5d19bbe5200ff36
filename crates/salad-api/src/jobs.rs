//! Queue and inference jobs: building their bodies from any serializable
//! value, reading their input and output as your own types, and knowing when
//! they are done.

use std::collections::BTreeMap;

use api_client_transport::{Error, Result, Validate};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::models::{
    CreateInferenceEndpointJob, CreateQueueJob, InferenceEndpointJob, JobStatus, QueueJob,
};

/// The most metadata keys a job may carry.
const MAX_METADATA_KEYS: usize = 20;

impl JobStatus {
    /// Whether the job is over: `succeeded`, `cancelled` or `failed`. A status
    /// this version does not know counts as not final, so a wait keeps polling
    /// until its deadline rather than stopping on a guess.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            JobStatus::Succeeded | JobStatus::Cancelled | JobStatus::Failed
        )
    }
}

/// Turns a caller's value into the JSON of a job input, naming the field on failure.
fn to_input(input: &impl Serialize) -> Result<Value> {
    serde_json::to_value(input)
        .map_err(|e| Error::invalid("input", format!("cannot be written as JSON: {e}")))
}

/// Reads `value` (an input or an output) as `T`; an absent value reads as JSON `null`,
/// so `Option<T>` accepts a job without output.
fn read_as<T: DeserializeOwned>(value: Option<&Value>) -> serde_json::Result<T> {
    T::deserialize(value.unwrap_or(&Value::Null))
}

/// The metadata rule the generated checks cannot state: at most 20 keys.
pub(crate) fn check_metadata(metadata: Option<&BTreeMap<String, Value>>) -> Result<()> {
    let len = metadata.map_or(0, BTreeMap::len);
    if len > MAX_METADATA_KEYS {
        return Err(Error::invalid(
            "metadata",
            format!("has {len} keys; at most {MAX_METADATA_KEYS} are allowed"),
        ));
    }
    Ok(())
}

impl CreateQueueJob {
    /// A job whose input is `input` written as JSON; metadata and webhook are
    /// left out.
    ///
    /// ```
    /// #[derive(serde::Serialize)]
    /// struct Tile { x: f64, y: f64, zoom: u32 }
    /// let job = salad_api::models::CreateQueueJob::new(&Tile { x: -0.75, y: 0.1, zoom: 2000 })?;
    /// assert_eq!(job.input["zoom"], 2000);
    /// # Ok::<(), salad_api::Error>(())
    /// ```
    pub fn new(input: &impl Serialize) -> Result<Self> {
        Ok(CreateQueueJob {
            input: to_input(input)?,
            metadata: None,
            webhook: None,
        })
    }
}

impl CreateInferenceEndpointJob {
    /// A job whose input is `input` written as JSON; metadata and webhook are
    /// left out.
    pub fn new(input: &impl Serialize) -> Result<Self> {
        Ok(CreateInferenceEndpointJob {
            input: to_input(input)?,
            metadata: None,
            webhook: None,
            webhook_url: None,
        })
    }
}

macro_rules! job_readers {
    ($job:ty) => {
        impl $job {
            /// The job's output read as `T`. A job without output (not finished,
            /// or failed) reads as JSON `null`: ask for `Option<T>` to accept that.
            ///
            /// ```
            /// # let job: salad_api::models::QueueJob = serde_json::from_value(serde_json::json!({
            /// #     "id": "7dcd6922-50e9-4d56-89b5-91cde26f0211", "input": {}, "status": "succeeded",
            /// #     "events": [], "create_time": "2024-11-02T09:15:00Z", "update_time": "2024-11-02T09:15:43Z",
            /// #     "output": {"image": "s3://acme-renders/7dcd6922.png", "seconds": 41.2}
            /// # })).unwrap();
            /// #[derive(serde::Deserialize)]
            /// struct Rendered { image: String, seconds: f64 }
            /// let out: Rendered = job.output_as()?;
            /// assert_eq!(out.image, "s3://acme-renders/7dcd6922.png");
            /// # Ok::<(), serde_json::Error>(())
            /// ```
            pub fn output_as<T: DeserializeOwned>(&self) -> serde_json::Result<T> {
                read_as(self.output.as_ref())
            }

            /// The job's input read as `T`.
            pub fn input_as<T: DeserializeOwned>(&self) -> serde_json::Result<T> {
                read_as(Some(&self.input))
            }

            /// Whether the job is over (see [`JobStatus::is_final`]).
            pub fn is_finished(&self) -> bool {
                self.status.is_final()
            }
        }
    };
}

job_readers!(QueueJob);
job_readers!(InferenceEndpointJob);

/// Checks a job body before it is sent: the generated rules plus the
/// metadata key limit.
pub(crate) fn check_queue_job(job: &CreateQueueJob) -> Result<()> {
    job.validate()?;
    check_metadata(job.metadata.as_ref())
}

/// [`check_queue_job`] for inference jobs.
pub(crate) fn check_inference_job(job: &CreateInferenceEndpointJob) -> Result<()> {
    job.validate()?;
    check_metadata(job.metadata.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn final_statuses() {
        assert!(JobStatus::Succeeded.is_final());
        assert!(JobStatus::Failed.is_final());
        assert!(JobStatus::Cancelled.is_final());
        assert!(!JobStatus::Pending.is_final());
        assert!(!JobStatus::Running.is_final());
        assert!(!JobStatus::from("expired").is_final());
    }

    #[test]
    fn too_much_metadata_is_refused_naming_the_field() {
        let mut job = CreateQueueJob::new(&json!({"a": 1})).unwrap();
        job.metadata = Some((0..21).map(|i| (format!("k{i}"), json!(i))).collect());
        let err = check_queue_job(&job).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidInput { field, .. } if field == "metadata"),
            "{err}"
        );
        job.metadata = Some((0..20).map(|i| (format!("k{i}"), json!(i))).collect());
        check_queue_job(&job).unwrap();
    }

    #[test]
    fn a_missing_output_reads_as_none() {
        let job: QueueJob = serde_json::from_value(json!({
            "id": "7dcd6922-50e9-4d56-89b5-91cde26f0211", "input": {"n": 3}, "status": "running",
            "events": [], "create_time": "2024-11-02T09:15:00Z", "update_time": "2024-11-02T09:15:00Z"
        }))
        .unwrap();
        assert_eq!(job.output_as::<Option<u32>>().unwrap(), None);
        assert!(job.output_as::<u32>().is_err());
        #[derive(serde::Deserialize)]
        struct In {
            n: u32,
        }
        assert_eq!(job.input_as::<In>().unwrap().n, 3);
    }
}
