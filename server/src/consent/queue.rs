//! Group commit for public form submissions. Each instance has one writer
//! task: a submission waits on it, and the writer records every
//! submission waiting at that moment in one transaction
//! (`ConsentStore::submit_many`): one chain lock, a few multi-row
//! statements and one durable commit, shared. Alone, a submission is
//! written at once, as before; under load, the round trips to the
//! database and the commits are shared (BENCHMARKS.md, "Consent form
//! submissions"). Nothing is answered before its transaction committed.

use app::server::storage::{NewSubmission, Recorded, Storage, StorageError};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// The most submissions one transaction records.
const MAX_BATCH: usize = 64;

type Answer = Result<Recorded, StorageError>;

pub struct SubmissionQueue {
    sender: mpsc::Sender<(NewSubmission, oneshot::Sender<Answer>)>,
}

impl SubmissionQueue {
    /// Starts the writer task (on the current runtime).
    pub fn start(storage: Storage) -> Arc<SubmissionQueue> {
        let (sender, mut receiver) =
            mpsc::channel::<(NewSubmission, oneshot::Sender<Answer>)>(1024);
        tokio::spawn(async move {
            while let Some(first) = receiver.recv().await {
                let mut jobs = vec![first];
                while jobs.len() < MAX_BATCH {
                    match receiver.try_recv() {
                        Ok(job) => jobs.push(job),
                        Err(_) => break,
                    }
                }
                let (submissions, answers): (Vec<NewSubmission>, Vec<oneshot::Sender<Answer>>) =
                    jobs.into_iter().unzip();
                tracing::debug!(batch = submissions.len(), "recording submissions");
                match storage.consent.submit_many(&submissions).await {
                    Ok(results) => {
                        for (answer, result) in answers.into_iter().zip(results) {
                            let _ = answer.send(Ok(result));
                        }
                    }
                    Err(error) => {
                        let text = error.to_string();
                        for answer in answers {
                            let _ = answer.send(Err(StorageError::Database(text.clone())));
                        }
                    }
                }
            }
        });
        Arc::new(SubmissionQueue { sender })
    }

    /// Records `submission` with whatever else is waiting; answers once
    /// its transaction committed.
    pub async fn submit(&self, submission: NewSubmission) -> Answer {
        let (answer, receive) = oneshot::channel();
        self.sender
            .send((submission, answer))
            .await
            .map_err(|_| StorageError::Unavailable("the submission writer stopped".into()))?;
        receive
            .await
            .map_err(|_| StorageError::Unavailable("the submission writer stopped".into()))?
    }
}
