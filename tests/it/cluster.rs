//! The managed cluster: first start, restart over a stale postmaster.pid.

use closer::db::cluster::{Cluster, Status};

#[test]
fn survives_a_stale_postmaster_pid() {
    let root = std::env::temp_dir().join(format!("closer-it-stale-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let cluster = Cluster::at(root.clone()).unwrap().with_test_settings();
    assert_eq!(cluster.status().unwrap(), Status::NotInitialised);
    assert!(cluster.ensure_running().unwrap(), "initialised on first start");
    let Status::Running { pid } = cluster.status().unwrap() else { panic!("running") };
    assert!(pid > 0);
    assert!(!cluster.ensure_running().unwrap(), "second call finds it running");

    // Simulate a crash: stop the server, then put back a postmaster.pid
    // naming a process that does not exist.
    let pid_file = cluster.data_dir().join("postmaster.pid");
    let contents = std::fs::read_to_string(&pid_file).unwrap();
    cluster.stop().unwrap();
    assert_eq!(cluster.status().unwrap(), Status::Stopped);
    // A PID that is alive but not PostgreSQL (this test process), as after a reboot.
    let stale = contents.replacen(&pid.to_string(), &std::process::id().to_string(), 1);
    std::fs::write(&pid_file, stale).unwrap();
    if unsafe { libc::geteuid() } == 0 {
        let pg = std::process::Command::new("id").args(["-u", "postgres"]).output().unwrap();
        let uid: u32 = String::from_utf8_lossy(&pg.stdout).trim().parse().unwrap();
        std::os::unix::fs::chown(&pid_file, Some(uid), None).unwrap();
    }
    cluster.ensure_running().expect("starts over a stale pid file");
    assert!(matches!(cluster.status().unwrap(), Status::Running { .. }));

    // The socket directory is private.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(cluster.socket_dir()).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
    assert!(cluster.url("closer").contains("host="), "a Unix socket URL");
    cluster.stop().unwrap();
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn without_binaries_one_line_says_what_to_do() {
    let empty = std::env::temp_dir().join(format!("closer-it-nobin-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let err = closer::db::cluster::find_binaries_in(None, Some(empty.clone().into_os_string()), false, &empty)
        .unwrap_err()
        .to_string();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("apt-get install postgresql") && err.contains("DATABASE_URL"), "{err}");
    // The newest version under the system root wins.
    for v in ["13", "16"] {
        let bin = empty.join(v).join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        for b in ["initdb", "pg_ctl", "postgres"] {
            std::fs::write(bin.join(b), "").unwrap();
        }
    }
    let found = closer::db::cluster::find_binaries_in(None, None, false, &empty).unwrap();
    assert_eq!(found, empty.join("16").join("bin"));
    let _ = std::fs::remove_dir_all(&empty);
}
