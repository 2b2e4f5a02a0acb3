//! nginx as a real server inside one lab host, fetched from another.

use std::net::SocketAddr;
use std::time::Duration;

use netlab::peers::nginx::{self, Nginx};

#[test]
fn nginx_serves_a_file_to_another_host() {
    let Some(lab) = netlab::Lab::for_test("nginx_serves", &["nginx", "ss"]) else {
        return;
    };
    let lan = lab.segment("lan").unwrap();
    let server = lab.host("server").unwrap();
    let client = lab.host("client").unwrap();
    lan.attach(&server, "eth0", &["10.0.0.1/24", "fd00::1/64"])
        .unwrap();
    lan.attach(&client, "eth0", &["10.0.0.2/24", "fd00::2/64"])
        .unwrap();

    let v4: SocketAddr = "10.0.0.1:8080".parse().unwrap();
    let v6: SocketAddr = "[fd00::1]:8080".parse().unwrap();
    let body = b"hello from the lab\n";
    let mut site = nginx::Site::new(v4, &server.path("nginx-root"));
    site.listen.push(v6);
    std::fs::create_dir_all(&site.root).unwrap();
    std::fs::write(site.root.join("index.txt"), body).unwrap();
    let mut web = Nginx::start(&server, &site).unwrap();
    let took = web.wait_until_listening(Duration::from_secs(5)).unwrap();
    eprintln!("nginx listening after {took:?}");

    for addr in [v4, v6] {
        let response =
            nginx::http_get(&client, addr, "/index.txt", Duration::from_secs(2)).unwrap();
        assert_eq!(response.status, 200, "{response:?}");
        assert_eq!(response.body, body);
        assert_eq!(response.header("Content-Type"), Some("text/plain"));
    }
    let missing = nginx::http_get(&client, v4, "/nope", Duration::from_secs(2)).unwrap();
    assert_eq!(missing.status, 404);

    // The client really is another host: the access log names its address.
    let log = web.access_log();
    assert!(
        log.contains("10.0.0.2 ") && log.contains("fd00::2 "),
        "{log}"
    );
}

#[test]
fn nginx_serve_files_writes_the_root() {
    let Some(lab) = netlab::Lab::for_test("nginx_files", &["nginx", "ss"]) else {
        return;
    };
    let lan = lab.segment("lan").unwrap();
    let server = lab.host("server").unwrap();
    let client = lab.host("client").unwrap();
    lan.attach(&server, "eth0", &["10.0.0.1/24"]).unwrap();
    lan.attach(&client, "eth0", &["10.0.0.2/24"]).unwrap();
    let addr: SocketAddr = "10.0.0.1:80".parse().unwrap();
    let mut web = Nginx::serve_files(
        &server,
        addr,
        &[("check/health.html", b"<p>ok</p>".as_slice())],
    )
    .unwrap();
    web.wait_until_listening(Duration::from_secs(5)).unwrap();
    let response =
        nginx::http_get(&client, addr, "/check/health.html", Duration::from_secs(2)).unwrap();
    assert_eq!(
        (response.status, response.body_text().as_str()),
        (200, "<p>ok</p>")
    );
    assert_eq!(response.header("content-type"), Some("text/html"));
    assert!(Nginx::serve_files(&server, addr, &[("../escape", b"x".as_slice())]).is_err());
}
