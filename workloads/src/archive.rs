//! Reading a bucket's archive back: every object under a prefix, with its
//! body, in key order. The examples that archive to a bucket (and their
//! workloads) read what they archived through this one listing loop, so a
//! page boundary is handled the same way everywhere.

use dosim::platform::bucket::{Bucket, BucketListOptions, GetOptions};
use dosim::Result;

/// Every object under `prefix` in `bucket`, as (key, body), in key order.
/// An object deleted between the listing and its read is skipped.
pub async fn bodies(bucket: &Bucket, prefix: &str) -> Result<Vec<(String, String)>> {
    let mut found = Vec::new();
    let mut cursor = None;
    loop {
        let page = bucket
            .list(BucketListOptions {
                prefix: Some(prefix.into()),
                cursor: cursor.take(),
                ..BucketListOptions::default()
            })
            .await?;
        for object in &page.objects {
            if let Some(got) = bucket.get(&object.key, GetOptions::default()).await? {
                found.push((object.key.clone(), got.text()));
            }
        }
        if !page.truncated {
            return Ok(found);
        }
        cursor = page.cursor;
    }
}
