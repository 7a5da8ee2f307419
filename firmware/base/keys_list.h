/* SPDX-License-Identifier: MIT */
/* The configuration key table: keys.h makes the index enum of it, keys.c the table. */

/*
 * ANPR_KEY(ID, section, name, type, default, min, max, choices, reloadable, help)
 *
 * Keep keys of a section together: config files and docs/config.md follow
 * this order. After editing, regenerate docs with `make docs`.
 */
ANPR_KEY(DEVICE_ID, "device", "id", STRING, "anpr-0000", 1, 64, NULL, false,
	 "Unit identifier, printed on every read and part of its id")
ANPR_KEY(DEVICE_SITE, "device", "site", STRING, "unassigned", 1, 64, NULL, false,
	 "Site identifier given by the force's back office")
ANPR_KEY(DEVICE_LANE, "device", "lane", INT, "1", 1, 8, NULL, true,
	 "Lane the camera watches, counted from the nearside")
ANPR_KEY(DEVICE_DIRECTION, "device", "direction", ENUM, "towards", 0, 0, "towards|away", true,
	 "Traffic direction relative to the camera (towards: front plates; away: rear plates)")

ANPR_KEY(BOARD_NAME, "board", "name", STRING, "host-sim", 1, 64, NULL, false,
	 "Board this configuration describes; must match a folder in boards/")

ANPR_KEY(LOG_LEVEL, "log", "level", ENUM, "info", 0, 0, "error|warn|info|debug", true,
	 "Most verbose log level written; plate text appears only at debug")

ANPR_KEY(CAMERA_BACKEND, "camera", "backend", ENUM, "replay", 0, 0, "replay|libcamera", false,
	 "Frame source: a recorded clip or image folder, or the board's camera through libcamera")
ANPR_KEY(CAMERA_WIDTH, "camera", "width", INT, "1920", 320, 7680, NULL, false, "Stream width in pixels")
ANPR_KEY(CAMERA_HEIGHT, "camera", "height", INT, "1080", 240, 4320, NULL, false, "Stream height in pixels")
ANPR_KEY(CAMERA_FPS, "camera", "fps", REAL, "25", 1, 120, NULL, false, "Frame rate requested from the sensor")
ANPR_KEY(CAMERA_PIXEL_FORMAT, "camera", "pixel_format", ENUM, "YUV420", 0, 0, "YUV420|NV12|RGB888|MJPEG",
	 false, "Pixel format requested from libcamera")
ANPR_KEY(CAMERA_EXPOSURE_MAX_US, "camera", "exposure_max_us", INT, "2000", 20, 100000, NULL, true,
	 "Longest exposure allowed; short exposures keep fast plates sharp")
ANPR_KEY(CAMERA_GAIN_MAX, "camera", "gain_max", REAL, "8", 1, 64, NULL, true, "Highest analogue gain allowed")

ANPR_KEY(PIPELINE_WORKERS, "pipeline", "workers", INT, "0", 0, 64, NULL, false,
	 "Plate reader threads; 0 means one per CPU core")
ANPR_KEY(PIPELINE_FRAME_QUEUE, "pipeline", "frame_queue", INT, "8", 1, 256, NULL, false,
	 "Frames waiting for a reader before new ones are dropped (and counted)")

ANPR_KEY(PIPELINE_REPLAY_PACE, "pipeline", "replay_pace", ENUM, "realtime", 0, 0, "realtime|fast", false,
	 "Replay sources: deliver frames at their recorded times, or as fast as the readers take them")

ANPR_KEY(TRACKER_GAP_MS, "tracker", "gap_ms", INT, "320", 40, 5000, NULL, true,
	 "A passage ends when its plate has not been seen for this long")
ANPR_KEY(TRACKER_EDGE_GAP_MS, "tracker", "edge_gap_ms", INT, "120", 0, 5000, NULL, true,
	 "... or for this long when it was last seen leaving the picture at an edge")
ANPR_KEY(TRACKER_MAX_MS, "tracker", "max_ms", INT, "20000", 1000, 600000, NULL, true,
	 "Longest passage; a plate still in view after this is read again only after repeat_window_s")
ANPR_KEY(TRACKER_MIN_FRAMES, "tracker", "min_frames", INT, "2", 1, 50, NULL, true,
	 "Frames a plate must be read in before it counts as a passage")
ANPR_KEY(TRACKER_ENOUGH_READS, "tracker", "enough_reads", INT, "6", 0, 1000, NULL, true,
	 "Agreeing confident reads after which a plate is followed but not read again (0: read every frame)")
ANPR_KEY(TRACKER_REPEAT_WINDOW_S, "tracker", "repeat_window_s", INT, "120", 0, 86400, NULL, true,
	 "The same registration in the same lane within this many seconds is not a new read")

ANPR_KEY(OCR_COUNTRY, "ocr", "country", ENUM, "auto", 0, 0, "uk|eu|us|auto", false,
	 "Plate formats read: auto (UK formats first, foreign ones as a fallback), or only uk, eu or us")
ANPR_KEY(OCR_MODEL, "ocr", "model", ENUM, "plate+eng", 0, 0, "plate+eng|plate|eng", false,
	 "Tesseract model: ours trained on plates, the stock English one, or both merged (best, slower)")
ANPR_KEY(OCR_MIN_CONFIDENCE, "ocr", "min_confidence", REAL, "0.5", 0, 1, NULL, true,
	 "Reads below this confidence are not reported")

ANPR_KEY(SIGNING_KEY_FILE, "signing", "key_file", STRING, "/etc/anpr/device-key.pem", 1, 4096, NULL, false,
	 "Device ECDSA P-256 private key (PEM, mode 0600); create it with anprd --gen-key")

ANPR_KEY(STORE_BACKEND, "store", "backend", ENUM, "spool", 0, 0, "spool|folder", false,
	 "spool: the encrypted ring buffer; folder: one plain file per read (development and tests only)")
ANPR_KEY(STORE_DIR, "store", "dir", STRING, "/var/lib/anpr/reads", 1, 4096, NULL, false,
	 "Where signed reads are kept until delivered (the unit's data partition)")
ANPR_KEY(STORE_MAX_MB, "store", "max_mb", INT, "2048", 64, 4194304, NULL, false,
	 "Most space the ring buffer takes; past it the oldest reads go first (alarmed)")
ANPR_KEY(STORE_SEGMENT_MB, "store", "segment_mb", INT, "64", 1, 1024, NULL, false,
	 "Size of one ring buffer segment file")
ANPR_KEY(STORE_RETENTION_DAYS, "store", "retention_days", INT, "7", 1, 7, NULL, false,
	 "Reads older than this are deleted, delivered or not (7 days is the policy limit)")
ANPR_KEY(STORE_DELETE_ON_ACK, "store", "delete_on_ack", BOOL, "false", 0, 0, NULL, false,
	 "Delete reads once the back office has them, instead of keeping them until retention")
ANPR_KEY(STORE_KEY_FILE, "store", "key_file", STRING, "/etc/anpr/store-key.bin", 1, 4096, NULL, false,
	 "AES-256 key of the ring buffer (mode 0600, outside the data partition); made at first start")

ANPR_KEY(UPLINK_URL, "uplink", "url", STRING, "", 0, 1024, NULL, false,
	 "Back office base URL (https://host:port); empty: reads are only stored")
ANPR_KEY(UPLINK_CA_FILE, "uplink", "ca_file", STRING, "/etc/anpr/backoffice-ca.pem", 1, 4096, NULL, false,
	 "The CA bundle the back office's certificate must chain to (pinned)")
ANPR_KEY(UPLINK_CERT_FILE, "uplink", "cert_file", STRING, "/etc/anpr/device-cert.pem", 1, 4096, NULL, false,
	 "This unit's certificate for mutual TLS; its key is signing.key_file")
ANPR_KEY(UPLINK_BATCH, "uplink", "batch", INT, "32", 1, 64, NULL, false, "Reads per request")
ANPR_KEY(UPLINK_BACKOFF_MAX_S, "uplink", "backoff_max_s", INT, "300", 1, 86400, NULL, false,
	 "Longest wait between delivery attempts after failures")
ANPR_KEY(UPLINK_BACKLOG_RATE, "uplink", "backlog_rate", REAL, "50", 0.1, 10000, NULL, false,
	 "Reads per second sent from the backlog after an outage (live reads go first)")
ANPR_KEY(UPLINK_LIVE_WINDOW_S, "uplink", "live_window_s", INT, "60", 0, 3600, NULL, false,
	 "Reads captured this recently count as live and are sent before the backlog")
