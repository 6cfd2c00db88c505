//! Start amplocal in a throwaway container with the `testcontainers` crate and point
//! aws-sdk-rust clients at it.
//!
//! The wait strategy is the `Ready.` line amplocal prints on stdout once its port is bound (the
//! same convention as LocalStack, so the image also works with LocalStack Testcontainers
//! modules). The image is `$AMPLOCAL_IMAGE` (`name:tag`), default `amplocal:local`, the tag
//! `docker compose build` gives amplocal's own Dockerfile; a published image such as
//! `ghcr.io/OWNER/amplocal:0.1.0` works the same.

use testcontainers::core::{IntoContainerPort, WaitFor};
use testcontainers::runners::AsyncRunner;
use testcontainers::{ContainerAsync, GenericImage, ImageExt, TestcontainersError};

/// The port amplocal serves every service on (HTTP and HTTPS).
pub const PORT: u16 = 4566;

/// A running amplocal container; dropped = stopped and removed.
pub struct Amplocal {
    /// The container handle (keep it alive for as long as the tests need amplocal).
    pub container: ContainerAsync<GenericImage>,
    /// `http://<host>:<mapped port>`, for `endpoint_url`.
    pub endpoint: String,
}

/// `name:tag` split at the last `:` that is not part of a registry port (`host:5000/name`).
pub fn split_image(image: &str) -> (&str, &str) {
    match image.rfind(':') {
        Some(i) if !image[i + 1..].contains('/') => (&image[..i], &image[i + 1..]),
        _ => (image, "latest"),
    }
}

/// Starts amplocal (ephemeral state, `test`/`test` credentials, every confirmation code
/// `123456`) and waits for its `Ready.` line.
pub async fn start() -> Result<Amplocal, TestcontainersError> {
    let image = std::env::var("AMPLOCAL_IMAGE").unwrap_or_else(|_| "amplocal:local".to_string());
    let (name, tag) = split_image(&image);
    let container = GenericImage::new(name, tag)
        .with_exposed_port(PORT.tcp())
        .with_wait_for(WaitFor::message_on_stdout("Ready."))
        .with_env_var("AMPLOCAL_EPHEMERAL", "true")
        .with_env_var("AMPLOCAL_COGNITO_FIXED_CODE", "123456")
        .start()
        .await?;
    let host = container.get_host().await?;
    let port = container.get_host_port_ipv4(PORT.tcp()).await?;
    Ok(Amplocal { container, endpoint: format!("http://{host}:{port}") })
}

/// An SDK config for `endpoint`: static `test`/`test` credentials, `us-east-1`.
pub async fn sdk_config(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new("test", "test", None, None, "example"))
        .load()
        .await
}

#[cfg(test)]
mod tests {
    use super::split_image;

    #[test]
    fn image_names_split_into_name_and_tag() {
        assert_eq!(split_image("amplocal:local"), ("amplocal", "local"));
        assert_eq!(split_image("ghcr.io/owner/amplocal:0.1.0"), ("ghcr.io/owner/amplocal", "0.1.0"));
        assert_eq!(split_image("registry:5000/amplocal"), ("registry:5000/amplocal", "latest"));
        assert_eq!(split_image("amplocal"), ("amplocal", "latest"));
    }
}
