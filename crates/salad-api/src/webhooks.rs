//! The key SaladCloud signs job webhooks with.

use api_client_transport::http::Method;
use api_client_transport::Result;

use crate::models::WebhookSecretKey;
use crate::organization::Organization;

impl Organization {
    /// Reads the key job webhooks are signed with. The answer is kept out of
    /// error messages and the key prints as `***`.
    #[doc(alias = "get_webhook_secret_key")]
    pub async fn webhook_secret_key(&self) -> Result<WebhookSecretKey> {
        let request = self
            .request(Method::GET, &["webhook-secret-key"])
            .sensitive(true);
        self.client().send(request).await?.json().await
    }

    /// Replaces the webhook key with a new random one and returns it; webhooks
    /// signed with the old key stop verifying. Retried: a repeated rotation
    /// only rotates again, and the answer always carries the key in force.
    #[doc(alias = "update_webhook_secret_key")]
    pub async fn rotate_webhook_secret_key(&self) -> Result<WebhookSecretKey> {
        let request = self
            .request(Method::POST, &["webhook-secret-key"])
            .retryable(true)
            .sensitive(true);
        self.client().send(request).await?.json().await
    }
}
