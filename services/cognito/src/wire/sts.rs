//! STS query protocol: form-encoded `Action=…&Version=2011-06-15` posts, answered with
//! `<XxxResponse><XxxResult>…</XxxResult><ResponseMetadata>…` XML, errors as
//! `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`.

use super::form_pairs;
use crate::error::CognitoError;
use crate::ops::sts::{self, Xml};
use crate::CognitoService;
use amplocal_core::{AwsError, OperationName, RequestContext};
use axum::body::Body;
use axum::response::Response;
use http::{header, HeaderValue, StatusCode};

const NS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}

fn write(out: &mut String, name: &str, x: &Xml) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    match x {
        Xml::Text(t) => out.push_str(&esc(t)),
        Xml::Node(children) => {
            for (n, c) in children {
                write(out, n, c);
            }
        }
    }
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

fn xml_response(status: StatusCode, body: String, request_id: &str, op: &'static str) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        r.headers_mut().insert("x-amzn-requestid", v);
    }
    r.extensions_mut().insert(OperationName(op));
    r
}

/// Handle one STS form post.
pub async fn handle(svc: &CognitoService, ctx: &RequestContext, body: &[u8]) -> Response {
    let fields = form_pairs(&String::from_utf8_lossy(body));
    let action = fields.iter().find(|(k, _)| k == "Action").map(|(_, v)| v.clone()).unwrap_or_default();
    let (op, result): (&'static str, Result<Xml, CognitoError>) = match action.as_str() {
        "AssumeRoleWithWebIdentity" => ("AssumeRoleWithWebIdentity", sts::assume_role_with_web_identity(svc, ctx, &fields).await),
        "AssumeRole" => ("AssumeRole", sts::assume_role(svc, ctx, &fields).await),
        "GetCallerIdentity" => ("GetCallerIdentity", sts::get_caller_identity(svc, ctx, &fields).await),
        _ => ("Unknown", Err(CognitoError::InvalidParameterException(format!("Could not find operation {action} for version 2011-06-15")))),
    };
    match result {
        Ok(x) => {
            let mut out = format!("<{op}Response xmlns=\"{NS}\">");
            write(&mut out, &format!("{op}Result"), &x);
            out.push_str(&format!("<ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></{op}Response>", esc(&ctx.request_id)));
            xml_response(StatusCode::OK, out, &ctx.request_id, op)
        }
        Err(e) => {
            let code = match &e {
                CognitoError::InvalidParameterException(_) if op == "Unknown" => "InvalidAction",
                CognitoError::InvalidParameterException(_) => "ValidationError",
                other => other.code(),
            };
            let kind = if e.status() >= 500 { "Receiver" } else { "Sender" };
            let body = format!(
                "<ErrorResponse xmlns=\"{NS}\"><Error><Type>{kind}</Type><Code>{code}</Code><Message>{}</Message></Error><RequestId>{}</RequestId></ErrorResponse>",
                esc(&e.message()),
                esc(&ctx.request_id)
            );
            xml_response(StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST), body, &ctx.request_id, op)
        }
    }
}
