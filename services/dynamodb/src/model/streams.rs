//! DynamoDB Streams shapes (ListStreams, DescribeStream, GetShardIterator, GetRecords).
//! See <https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Operations_Amazon_DynamoDB_Streams.html>.

use serde::{Deserialize, Serialize};

/// ListStreams input.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListStreamsInput {
    /// Only this table.
    pub table_name: Option<String>,
    /// Page size.
    pub limit: Option<i64>,
    /// Resume after this ARN.
    pub exclusive_start_stream_arn: Option<String>,
}

/// DescribeStream input.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeStreamInput {
    /// Stream ARN.
    pub stream_arn: String,
    /// Page size.
    pub limit: Option<i64>,
    /// Resume after this shard.
    pub exclusive_start_shard_id: Option<String>,
}

/// GetShardIterator input.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct GetShardIteratorInput {
    /// Stream ARN.
    pub stream_arn: String,
    /// Shard.
    pub shard_id: String,
    /// TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER.
    pub shard_iterator_type: String,
    /// For the *_SEQUENCE_NUMBER types.
    pub sequence_number: Option<String>,
}

/// GetRecords input.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct GetRecordsInput {
    /// Iterator.
    pub shard_iterator: String,
    /// Max records (1..=1000).
    pub limit: Option<i64>,
}
