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
ANPR_KEY(CAMERA_REPLAY_SOURCE, "camera", "replay_source", STRING, "", 0, 4096, NULL, false,
	 "With backend replay and no --source: file:PATH (a clip) or dir:PATH (an image folder); empty: "
	 "anprd needs --source")
ANPR_KEY(CAMERA_REPLAY_LOOPS, "camera", "replay_loops", INT, "1", 1, 1000000, NULL, false,
	 "Plays of a replay clip, times running on, so a host-sim unit keeps its camera going; --loop "
	 "overrides")
ANPR_KEY(CAMERA_WIDTH, "camera", "width", INT, "1920", 320, 7680, NULL, false, "Stream width in pixels")
ANPR_KEY(CAMERA_HEIGHT, "camera", "height", INT, "1080", 240, 4320, NULL, false, "Stream height in pixels")
ANPR_KEY(CAMERA_FPS, "camera", "fps", REAL, "25", 1, 120, NULL, false, "Frame rate requested from the sensor")
ANPR_KEY(CAMERA_PIXEL_FORMAT, "camera", "pixel_format", ENUM, "YUV420", 0, 0, "YUV420|NV12|RGB888|MJPEG",
	 false, "Pixel format requested from libcamera")
ANPR_KEY(CAMERA_EXPOSURE_MAX_US, "camera", "exposure_max_us", INT, "2000", 20, 100000, NULL, true,
	 "Longest exposure allowed; short exposures keep fast plates sharp")
ANPR_KEY(CAMERA_GAIN_MAX, "camera", "gain_max", REAL, "8", 1, 64, NULL, true, "Highest analogue gain allowed")
ANPR_KEY(CAMERA_SENSOR, "camera", "sensor", STRING, "none", 1, 32, NULL, false,
	 "Image sensor fitted (imx477, imx296, ar1335; none for replay); for messages and the commissioning "
	 "report")
ANPR_KEY(CAMERA_SENSOR_WIDTH_PX, "camera", "sensor_width_px", INT, "1920", 320, 16384, NULL, false,
	 "Active pixels across the sensor; the stream is assumed to show the sensor's whole width")
ANPR_KEY(CAMERA_PIXEL_PITCH_UM, "camera", "pixel_pitch_um", REAL, "3.45", 0.5, 20, NULL, false,
	 "Sensor pixel pitch in micrometres (imx477 1.55, imx296 3.45)")
ANPR_KEY(CAMERA_FOCAL_LENGTH_MM, "camera", "focal_length_mm", REAL, "16", 1, 300, NULL, false,
	 "Lens focal length in millimetres")
ANPR_KEY(CAMERA_MOUNT_HEIGHT_M, "camera", "mount_height_m", REAL, "5", 0, 30, NULL, false,
	 "Height of the lens above the road surface")
ANPR_KEY(CAMERA_DISTANCE_M, "camera", "distance_m", REAL, "15", 1, 200, NULL, false,
	 "Distance along the road from the pole to where plates are read")
ANPR_KEY(CAMERA_PLATE_WIDTH_MM, "camera", "plate_width_mm", INT, "520", 100, 1000, NULL, false,
	 "Plate width for the size prediction of --check-config (UK 520, EU 520, US 305)")

ANPR_KEY(GPIO_BACKEND, "gpio", "backend", ENUM, "sim", 0, 0, "sim|gpiod", false,
	 "GPIO lines: simulated in memory (host-sim, tests) or the board's through libgpiod")
ANPR_KEY(GPIO_CHIP, "gpio", "chip", STRING, "gpiochip0", 1, 64, NULL, false,
	 "GPIO chip holding the lines below: name, /dev path, label (pinctrl-bcm2711) or number")
ANPR_KEY(GPIO_SIM_FILE, "gpio", "sim_file", STRING, "", 0, 4096, NULL, false,
	 "Simulated backend: file mirroring the lines (name=value per line) for tests; empty: memory only")
ANPR_KEY(GPIO_ILLUMINATOR_LINE, "gpio", "illuminator_line", INT, "-1", -1, 1023, NULL, false,
	 "Output switching the IR illuminator on (high = on); -1: none fitted")
ANPR_KEY(GPIO_IRCUT_LINE, "gpio", "ircut_line", INT, "-1", -1, 1023, NULL, false,
	 "Output driving the IR-cut filter (high = filter in, day); -1: none fitted")
ANPR_KEY(GPIO_TAMPER_LINE, "gpio", "tamper_line", INT, "-1", -1, 1023, NULL, false,
	 "Input from the enclosure's tamper switch; -1: none fitted")
ANPR_KEY(GPIO_HEATER_LINE, "gpio", "heater_line", INT, "-1", -1, 1023, NULL, false,
	 "Output switching the window heater (high = on); -1: none fitted")

ANPR_KEY(IR_MODE, "ir", "mode", ENUM, "auto", 0, 0, "auto|day|night", true,
	 "Day/night: switch from scene brightness, or hold day (filter in, lamp off) or night")
ANPR_KEY(IR_NIGHT_BELOW, "ir", "night_below", INT, "40", 0, 255, NULL, true,
	 "Go to night (filter out, lamp on) when the mean luma stays below this")
ANPR_KEY(IR_DAY_ABOVE, "ir", "day_above", INT, "110", 0, 255, NULL, true,
	 "Go back to day when the mean luma under the lamp stays above this (must exceed night_below)")
ANPR_KEY(IR_DWELL_S, "ir", "dwell_s", INT, "60", 1, 3600, NULL, true,
	 "Least time in one state, and how long brightness must stay past a threshold, before switching")

ANPR_KEY(WATCHDOG_BACKEND, "watchdog", "backend", ENUM, "none", 0, 0, "none|sim|dev", false,
	 "Hardware watchdog: none, simulated (host-sim, tests), or the device below")
ANPR_KEY(WATCHDOG_DEVICE, "watchdog", "device", STRING, "/dev/watchdog", 1, 4096, NULL, false,
	 "Watchdog device node")
ANPR_KEY(WATCHDOG_TIMEOUT_S, "watchdog", "timeout_s", INT, "15", 1, 600, NULL, false,
	 "The board resets this long after the last feed (bcm2835 allows at most 15)")
ANPR_KEY(
    WATCHDOG_STALL_S, "watchdog", "stall_s", INT, "10", 1, 600, NULL, false,
    "The pipeline counts as hung, and feeding stops, when a stage with work makes no progress for this long")
ANPR_KEY(WATCHDOG_SIM_FILE, "watchdog", "sim_file", STRING, "", 0, 4096, NULL, false,
	 "Simulated backend: file where feeds, missed feeds and a would-be reset are recorded")

ANPR_KEY(THERMAL_BACKEND, "thermal", "backend", ENUM, "none", 0, 0, "none|sim|sysfs", false,
	 "Temperature: not watched, read from a file (sim), or from /sys/class/thermal")
ANPR_KEY(THERMAL_ZONE, "thermal", "zone", STRING, "thermal_zone0", 1, 4096, NULL, false,
	 "sysfs: zone directory name or its type (cpu-thermal); sim: file holding millidegrees")
ANPR_KEY(THERMAL_THROTTLE_C, "thermal", "throttle_c", REAL, "80", 30, 125, NULL, true,
	 "Above this the readers are cut to one worker until the unit is hysteresis_c cooler")
ANPR_KEY(THERMAL_ALARM_C, "thermal", "alarm_c", REAL, "85", 30, 125, NULL, true,
	 "Above this the thermal alarm is raised (must be at least throttle_c)")
ANPR_KEY(THERMAL_HYSTERESIS_C, "thermal", "hysteresis_c", REAL, "5", 0.5, 30, NULL, true,
	 "How far below a limit the temperature must fall before the throttle or alarm clears")
ANPR_KEY(THERMAL_HEATER_BELOW_C, "thermal", "heater_below_c", REAL, "-50", -50, 40, NULL, true,
	 "Window heater (gpio.heater_line) on below this, off hysteresis_c above it; -50: never")

ANPR_KEY(TAMPER_OPEN_LEVEL, "tamper", "open_level", INT, "1", 0, 1, NULL, false,
	 "Input level meaning the enclosure is open; 1: a normally-closed switch to ground with the pull-up, "
	 "so a cut wire alarms too")
ANPR_KEY(TAMPER_DEBOUNCE_MS, "tamper", "debounce_ms", INT, "50", 1, 10000, NULL, false,
	 "The input must hold a new level this long before the tamper state changes")

ANPR_KEY(CONSOLE_DEVICE, "console", "device", STRING, "/dev/ttyS0", 1, 4096, NULL, false,
	 "Serial port the diagnostic CLI (anpr-diag) is started on")
ANPR_KEY(CONSOLE_BAUD, "console", "baud", INT, "115200", 1200, 4000000, NULL, false, "Serial console speed")

ANPR_KEY(STORAGE_DATA_DEVICE, "storage", "data_device", STRING, "/dev/disk/by-label/anpr-data", 1, 4096, NULL,
	 false, "Block device of the data partition that holds the ring buffer (store.dir is mounted on it)")
ANPR_KEY(STORAGE_DATA_SIZE_MB, "storage", "data_size_mb", INT, "4096", 64, 4194304, NULL, false,
	 "Size the image gives the data partition; store.max_mb must fit in it")

ANPR_KEY(RTC_DEVICE, "rtc", "device", STRING, "", 0, 4096, NULL, false,
	 "Battery-backed real-time clock (/dev/rtc0); empty: none fitted, time only from the network")

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

ANPR_KEY(DIAG_USERS_FILE, "diag", "users_file", STRING, "/etc/anpr/diag-users", 1, 4096, NULL, false,
	 "anpr-diag: engineer accounts (user:role:pbkdf2-sha256:...), mode 0600; set with --set-password")
ANPR_KEY(DIAG_STATE_DIR, "diag", "state_dir", STRING, "/var/lib/anpr/diag", 1, 4096, NULL, false,
	 "anpr-diag: folder for the login lockout state and made CSRs (survives reboots)")
ANPR_KEY(DIAG_AUDIT_FILE, "diag", "audit_file", STRING, "/var/lib/anpr/diag/audit.log", 1, 4096, NULL, false,
	 "anpr-diag: append-only audit trail of every login, failure, lockout and command")
ANPR_KEY(DIAG_IDLE_TIMEOUT_S, "diag", "idle_timeout_s", INT, "600", 10, 86400, NULL, false,
	 "anpr-diag: a console session idle this long is logged out")

ANPR_KEY(CONTROL_SOCKET, "control", "socket", STRING, "/run/anpr/control.sock", 0, 107, NULL, false,
	 "Unix socket anprd answers the diagnostic CLI on (docs/control-protocol.md); empty disables it")
