/* SPDX-License-Identifier: MIT */
/* The libcamera frame source (libcamera 0.0.3, Debian 12): one stream, completed requests handed to the capture thread. */
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <linux/dma-buf.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <libcamera/camera.h>
#include <libcamera/camera_manager.h>
#include <libcamera/control_ids.h>
#include <libcamera/controls.h>
#include <libcamera/formats.h>
#include <libcamera/framebuffer.h>
#include <libcamera/framebuffer_allocator.h>
#include <libcamera/request.h>
#include <libcamera/stream.h>

extern "C" {
#include "clock.h"
}
#include "source_internal.h"

/*
 * Threads: libcamera completes requests on its own thread (on_request and the
 * removal handlers below); everything else runs on the capture thread that
 * opened the source, except anpr_libcamera_interrupt(). The members under
 * "shared" are guarded by lock; the rest belong to the capture thread or are
 * fixed once the camera starts.
 */

using namespace libcamera;

namespace
{

/* Syslog priorities, as anpr_log_level in log.h (which C++ cannot include). */
constexpr int kLogE = 3, kLogW = 4, kLogI = 6;

#define CAM_LOG(level, ...) anpr_source_log(__COUNTER__, (level), __VA_ARGS__)

/*
 * Completed frames kept for the capture thread. When it falls behind, the
 * oldest goes straight back to the camera: the pipeline wants the newest frame,
 * and the sensor must never run out of buffers.
 */
constexpr size_t kMaxReady = 2;
/* Consecutive failed frames after which the camera counts as gone. */
constexpr unsigned kMaxErrorsInRow = 30;
/* A sensor timestamp further than this from now is not trusted; the frame is stamped "now". */
constexpr int64_t kMaxFrameAgeNs = 10LL * 1000 * 1000 * 1000;
/* Timeouts beyond this wait without limit (and keep std::chrono arithmetic far from overflow). */
constexpr int64_t kMaxTimeoutMs = 24LL * 3600 * 1000;

enum class Fmt { YUV420, NV12, RGB888, MJPEG };

struct Mapping {
	int fd;
	void *addr;
	size_t len;
};

/* Where one buffer's planes lie in our mappings. */
struct Planes {
	const uint8_t *p[3];
	size_t len[3];
	/* The planes follow each other as OpenCV's I420/NV12 conversion expects, so no staging copy is needed. */
	bool packed;
	std::vector<int> fds; /* the dmabufs to bracket with DMA_BUF_IOCTL_SYNC */
};

bool parse_format(const char *name, PixelFormat *pf)
{
	if (!name || strcmp(name, "YUV420") == 0)
		*pf = formats::YUV420;
	else if (strcmp(name, "NV12") == 0)
		*pf = formats::NV12;
	else if (strcmp(name, "RGB888") == 0)
		*pf = formats::RGB888;
	else if (strcmp(name, "MJPEG") == 0)
		*pf = formats::MJPEG;
	else
		return false;
	return true;
}

bool to_fmt(const PixelFormat &pf, Fmt *fmt)
{
	if (pf == formats::YUV420)
		*fmt = Fmt::YUV420;
	else if (pf == formats::NV12)
		*fmt = Fmt::NV12;
	else if (pf == formats::RGB888)
		*fmt = Fmt::RGB888; /* DRM's RGB888 is B, G, R in memory: OpenCV's BGR */
	else if (pf == formats::MJPEG)
		*fmt = Fmt::MJPEG;
	else
		return false;
	return true;
}

int64_t raw_mono_ns()
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

void dmabuf_sync(const std::vector<int> &fds, uint64_t flags)
{
	for (int fd : fds) {
		struct dma_buf_sync sync = {};
		sync.flags = flags | DMA_BUF_SYNC_READ;
		/* Best effort: heaps that are coherent anyway may refuse, and the frame is still good. */
		(void)ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync);
	}
}

/* Mean brightness of a frame from a sparse grid, for the gain limit. */
double mean_luma(const anpr_image *img)
{
	const int sx = std::max(1, img->width / 64), sy = std::max(1, img->height / 36);
	double sum = 0;
	long n = 0;

	for (int y = 0; y < img->height; y += sy) {
		const uint8_t *row = img->data + static_cast<size_t>(y) * img->stride;
		for (int x = 0; x < img->width; x += sx, n++) {
			const uint8_t *p = row + static_cast<size_t>(x) * static_cast<size_t>(img->channels);
			sum += img->channels == 1 ? p[0] : (p[0] + 2 * p[1] + p[2]) / 4.0;
		}
	}
	return n ? sum / static_cast<double>(n) : 0;
}

} // namespace

struct anpr_libcamera {
	/* Capture thread, or fixed once started. */
	std::unique_ptr<CameraManager> cm;
	std::shared_ptr<Camera> camera;
	std::unique_ptr<CameraConfiguration> config;
	std::unique_ptr<FrameBufferAllocator> alloc;
	std::vector<std::unique_ptr<Request>> requests;
	std::vector<Mapping> maps;
	std::map<const FrameBuffer *, Planes> planes;
	Stream *stream = nullptr;
	bool acquired = false, connected = false, started = false;
	Fmt fmt = Fmt::YUV420;
	int width = 0, height = 0;
	unsigned stride = 0;
	bool grey = false;
	double gain_max = 0;
	anpr_image staging = {}; /* contiguous YUV when the planes are not packed */
	bool have_first = false;
	uint32_t last_seq32 = 0;
	uint64_t seq = 0;
	int64_t first_ts_ns = 0;
	bool gain_pinned = false;
	double pin_luma = 0;

	/* AnalogueGain to send with the next queued request (<0: nothing; 0 hands it back to the AGC). */
	std::atomic<float> gain_send{ -1.0f };

	/* shared */
	std::mutex lock;
	std::condition_variable cv;
	Request *ready[kMaxReady] = {};
	size_t head = 0, len = 0;
	bool interrupted = false, gone = false, stopping = false;
	unsigned errors_in_row = 0;
	uint64_t dropped = 0;

	void mark_gone(const char *why)
	{
		{
			std::lock_guard<std::mutex> g(lock);
			if (gone || stopping)
				return;
			gone = true;
		}
		cv.notify_all();
		CAM_LOG(kLogE, "camera %s: %s", camera ? camera->id().c_str() : "?", why);
	}

	/* Hands a request back to the camera. Either thread. */
	void requeue(Request *req)
	{
		{
			std::lock_guard<std::mutex> g(lock);
			if (stopping || gone)
				return;
		}
		req->reuse(Request::ReuseBuffers);
		float gain = gain_send.exchange(-1.0f);
		if (gain >= 0)
			req->controls().set(controls::AnalogueGain, gain);
		int ret = camera->queueRequest(req);
		if (ret < 0) {
			CAM_LOG(kLogE, "cannot queue a request: %s", strerror(-ret));
			mark_gone("stopped taking requests");
		}
	}

	/* libcamera's thread. */
	void on_request(Request *req)
	{
		try {
			if (req->status() == Request::RequestCancelled)
				return; /* stopping */
			const FrameBuffer *fb = req->findBuffer(stream);
			bool ok = fb && fb->metadata().status == FrameMetadata::FrameSuccess;
			Request *drop = nullptr;
			bool failed = false;
			{
				std::lock_guard<std::mutex> g(lock);
				if (stopping)
					return;
				if (!ok) {
					failed = ++errors_in_row >= kMaxErrorsInRow;
					drop = req;
				} else {
					errors_in_row = 0;
					if (len == kMaxReady) {
						drop = ready[head];
						head = (head + 1) % kMaxReady;
						len--;
						dropped++;
					}
					ready[(head + len) % kMaxReady] = req;
					len++;
				}
			}
			if (ok)
				cv.notify_one();
			else
				CAM_LOG(kLogW, "camera reported a failed frame; skipped");
			if (failed)
				mark_gone("every frame fails");
			else if (drop)
				requeue(drop);
		} catch (...) {
			/* Nothing may propagate into libcamera's thread. */
			mark_gone("internal error handling a frame");
		}
	}

	void on_disconnected()
	{
		mark_gone("disconnected");
	}

	void on_removed(std::shared_ptr<Camera> removed)
	{
		if (removed == camera)
			mark_gone("removed");
	}
};

namespace
{

anpr_err find_camera(anpr_libcamera *c, const char *id)
{
	std::vector<std::shared_ptr<Camera>> cams = c->cm->cameras();

	if (cams.empty()) {
		CAM_LOG(kLogE, "no camera found: libcamera sees none (is the sensor connected, its overlay "
			       "enabled, and /dev/media* readable by this user?)");
		return ANPR_ERR_NOT_FOUND;
	}
	if (!id || !*id) {
		c->camera = cams[0];
		return ANPR_ERR_OK;
	}
	c->camera = c->cm->get(id);
	if (c->camera)
		return ANPR_ERR_OK;
	std::string ids;
	for (const auto &cam : cams) {
		if (ids.size() > 512)
			break;
		ids += ids.empty() ? "" : ", ";
		ids += cam->id();
	}
	CAM_LOG(kLogE, "no camera \"%s\"; libcamera has: %s", id, ids.c_str());
	return ANPR_ERR_NOT_FOUND;
}

anpr_err configure(anpr_libcamera *c, const anpr_source_cfg *cfg)
{
	PixelFormat want;

	if (!parse_format(cfg->pixel_format, &want))
		return ANPR_ERR_INVAL; /* source.c has checked; kept for safety */
	c->config = c->camera->generateConfiguration({ StreamRole::VideoRecording });
	if (!c->config || c->config->size() != 1) {
		CAM_LOG(kLogE, "camera %s offers no video stream", c->camera->id().c_str());
		return ANPR_ERR_UNSUPPORTED;
	}
	StreamConfiguration &sc = c->config->at(0);
	sc.pixelFormat = want;
	if (cfg->width > 0)
		sc.size = Size(static_cast<unsigned>(cfg->width), static_cast<unsigned>(cfg->height));
	sc.bufferCount = std::max(sc.bufferCount, 4u);
	CameraConfiguration::Status st = c->config->validate();
	if (st == CameraConfiguration::Invalid) {
		CAM_LOG(kLogE, "camera %s cannot deliver %s at %dx%d", c->camera->id().c_str(),
			want.toString().c_str(), cfg->width, cfg->height);
		return ANPR_ERR_UNSUPPORTED;
	}
	if (!to_fmt(sc.pixelFormat, &c->fmt)) {
		CAM_LOG(kLogE, "camera %s offers %s instead of %s, which this source cannot convert",
			c->camera->id().c_str(), sc.pixelFormat.toString().c_str(), want.toString().c_str());
		return ANPR_ERR_UNSUPPORTED;
	}
	if (st == CameraConfiguration::Adjusted)
		CAM_LOG(kLogW, "camera %s adjusted the stream to %s (asked for %s %dx%d)",
			c->camera->id().c_str(), sc.toString().c_str(), want.toString().c_str(), cfg->width,
			cfg->height);
	if (sc.size.width < 2 || sc.size.height < 2 || sc.size.width > ANPR_IMAGE_MAX_SIDE ||
	    sc.size.height > ANPR_IMAGE_MAX_SIDE || sc.size.width % 2 || sc.size.height % 2 ||
	    (c->fmt != Fmt::MJPEG && sc.stride < sc.size.width * (c->fmt == Fmt::RGB888 ? 3u : 1u)) ||
	    sc.stride > INT_MAX / 4) {
		CAM_LOG(kLogE, "camera %s stream %s is outside what this source handles",
			c->camera->id().c_str(), sc.toString().c_str());
		return ANPR_ERR_UNSUPPORTED;
	}
	int ret = c->camera->configure(c->config.get());
	if (ret < 0) {
		CAM_LOG(kLogE, "camera %s: configure failed: %s", c->camera->id().c_str(), strerror(-ret));
		return ANPR_ERR_CAMERA;
	}
	c->stream = sc.stream();
	c->width = static_cast<int>(sc.size.width);
	c->height = static_cast<int>(sc.size.height);
	c->stride = sc.stride;
	return ANPR_ERR_OK;
}

/* Where plane's first need bytes lie in c's mapping of its dmabuf (mapped whole when first seen); NULL if outside. */
const uint8_t *map_plane(anpr_libcamera *c, const FrameBuffer::Plane &plane, size_t need, Planes *pl)
{
	const int fd = plane.fd.get();
	const Mapping *m = nullptr;

	for (const Mapping &it : c->maps)
		if (it.fd == fd)
			m = &it;
	if (!m) {
		off_t size = lseek(fd, 0, SEEK_END);
		if (size <= 0)
			size = static_cast<off_t>(plane.offset) + plane.length;
		void *addr = mmap(nullptr, static_cast<size_t>(size), PROT_READ, MAP_SHARED, fd, 0);
		if (addr == MAP_FAILED) {
			CAM_LOG(kLogE, "cannot map a frame buffer: %s", strerror(errno));
			return nullptr;
		}
		c->maps.push_back(Mapping{ fd, addr, static_cast<size_t>(size) });
		m = &c->maps.back();
	}
	if (std::find(pl->fds.begin(), pl->fds.end(), fd) == pl->fds.end())
		pl->fds.push_back(fd);
	if (plane.offset == FrameBuffer::Plane::kInvalidOffset || plane.offset > m->len ||
	    need > m->len - plane.offset) {
		CAM_LOG(kLogE, "frame buffer plane (offset %u, %zu bytes) lies outside its %zu-byte buffer",
			plane.offset, need, m->len);
		return nullptr;
	}
	return static_cast<const uint8_t *>(m->addr) + plane.offset;
}

/* Maps one buffer and checks its planes hold a whole frame. */
anpr_err map_buffer(anpr_libcamera *c, const FrameBuffer *fb)
{
	const std::vector<FrameBuffer::Plane> &fp = fb->planes();
	const size_t s = c->stride, w = static_cast<size_t>(c->width), h = static_cast<size_t>(c->height);
	Planes pl = {};

	if (fp.empty())
		return ANPR_ERR_CAMERA;
	/* Bytes each plane must hold: the last row need not be padded out to the stride. */
	size_t need[3] = { s * (h - 1) + w * (c->fmt == Fmt::RGB888 ? 3 : 1), 0, 0 };
	if (c->fmt == Fmt::YUV420)
		need[1] = need[2] = s / 2 * (h / 2 - 1) + w / 2;
	else if (c->fmt == Fmt::NV12)
		need[1] = s * (h / 2 - 1) + w;
	else if (c->fmt == Fmt::MJPEG)
		need[0] = fp[0].length;
	const size_t nplanes = c->fmt == Fmt::YUV420 ? 3 : c->fmt == Fmt::NV12 ? 2 : 1;
	if (fp.size() >= nplanes) {
		for (size_t i = 0; i < nplanes; i++) {
			pl.p[i] = map_plane(c, fp[i], need[i], &pl);
			pl.len[i] = need[i];
			if (!pl.p[i])
				return ANPR_ERR_CAMERA;
		}
	} else {
		/* One plane holding all: the chroma follows the luma as the V4L2 single-planar formats lay it out. */
		size_t total = s * h + (c->fmt == Fmt::YUV420 ? 2 * (s / 2) * (h / 2)
					: c->fmt == Fmt::NV12 ? s * h / 2
							      : 0);
		if (c->fmt == Fmt::MJPEG)
			total = need[0];
		pl.p[0] = map_plane(c, fp[0], total, &pl);
		if (!pl.p[0])
			return ANPR_ERR_CAMERA;
		pl.len[0] = need[0];
		if (nplanes > 1) {
			pl.p[1] = pl.p[0] + s * h;
			pl.len[1] = need[1];
		}
		if (nplanes > 2) {
			pl.p[2] = pl.p[1] + s / 2 * (h / 2);
			pl.len[2] = need[2];
		}
	}
	/* OpenCV's I420 reads chroma rows at width / 2 apart, so its layout needs stride == width. */
	if (c->fmt == Fmt::YUV420)
		pl.packed = s == w && pl.p[1] == pl.p[0] + s * h && pl.p[2] == pl.p[1] + s / 2 * (h / 2);
	else if (c->fmt == Fmt::NV12)
		pl.packed = pl.p[1] == pl.p[0] + s * h;
	c->planes[fb] = pl;
	return ANPR_ERR_OK;
}

/* Frame rate and exposure limits sent when the camera starts. */
void start_controls(anpr_libcamera *c, const anpr_source_cfg *cfg, ControlList *ctrls)
{
	const ControlInfoMap &info = c->camera->controls();

	if (cfg->fps > 0) {
		if (info.count(controls::FrameDurationLimits.id())) {
			const int64_t us = std::llround(1e6 / cfg->fps);
			const int64_t limits[2] = { us, us };
			ctrls->set(controls::FrameDurationLimits, Span<const int64_t, 2>(limits));
		} else {
			CAM_LOG(kLogW, "camera %s has no frame rate control; %g fps not applied",
				c->camera->id().c_str(), cfg->fps);
		}
	}
	/*
	 * libcamera 0.0.3 has no limits for its AGC, so the exposure limit becomes a fixed shutter (which
	 * ANPR wants anyway, to freeze passing plates); the AGC still drives the gain.
	 */
	if (cfg->exposure_max_us > 0) {
		if (info.count(controls::ExposureTime.id())) {
			ctrls->set(controls::ExposureTime, static_cast<int32_t>(cfg->exposure_max_us));
			CAM_LOG(kLogI, "camera %s: shutter fixed at %d us", c->camera->id().c_str(),
				cfg->exposure_max_us);
		} else {
			CAM_LOG(kLogW, "camera %s has no exposure control; exposure_max_us not applied",
				c->camera->id().c_str());
		}
	}
	if (cfg->gain_max > 0 && !info.count(controls::AnalogueGain.id())) {
		CAM_LOG(kLogW, "camera %s has no gain control; gain_max not applied",
			c->camera->id().c_str());
		c->gain_max = 0;
	}
}

/*
 * The gain limit, kept by hand: when the AGC goes past gain_max the gain is pinned there; once frames at the
 * pinned gain come out clearly brighter than the AGC's own target (the brightness when it went past), the
 * scene needs less, and the gain goes back to the AGC (0 means "automatic" to the IPA).
 */
void limit_gain(anpr_libcamera *c, Request *req, const anpr_image *frame)
{
	std::optional<float> gain = req->metadata().get(controls::AnalogueGain);

	if (c->gain_max <= 0 || !gain)
		return;
	const double g = static_cast<double>(*gain);
	if (!c->gain_pinned && g > c->gain_max * 1.02) {
		c->gain_pinned = true;
		c->pin_luma = mean_luma(frame);
		c->gain_send = static_cast<float>(c->gain_max);
		CAM_LOG(kLogI, "camera gain %.2f above the limit: held at %.2f", g, c->gain_max);
	} else if (c->gain_pinned && std::fabs(g - c->gain_max) < c->gain_max * 0.05 &&
		   mean_luma(frame) > c->pin_luma * 1.25 + 2) {
		c->gain_pinned = false;
		c->gain_send = 0.0f;
		CAM_LOG(kLogI, "scene brighter: camera gain back to automatic");
	}
}

anpr_image view(const uint8_t *data, int width, int height, int channels, size_t stride)
{
	anpr_image v = {};

	v.width = width;
	v.height = height;
	v.channels = channels;
	v.stride = stride;
	v.data = const_cast<uint8_t *>(data);
	return v;
}

/* Converts the frame in req's buffer into dst. */
anpr_err convert(anpr_libcamera *c, Request *req, anpr_image *dst)
{
	const FrameBuffer *fb = req->findBuffer(c->stream);
	auto it = fb ? c->planes.find(fb) : c->planes.end();
	if (it == c->planes.end())
		return ANPR_ERR_CAMERA;
	const Planes &pl = it->second;
	const size_t s = c->stride, w = static_cast<size_t>(c->width), h = static_cast<size_t>(c->height);
	anpr_err err = ANPR_ERR_OK;

	dmabuf_sync(pl.fds, DMA_BUF_SYNC_START);
	switch (c->fmt) {
	case Fmt::YUV420:
	case Fmt::NV12:
		if (c->grey) {
			/* The luma plane is the grey image. */
			err = anpr_image_alloc(dst, c->width, c->height, 1);
			for (size_t y = 0; !err && y < h; y++)
				memcpy(dst->data + y * dst->stride, pl.p[0] + y * s, w);
		} else if (pl.packed) {
			anpr_image src = view(pl.p[0], c->width, c->height * 3 / 2, 1, s);
			err = anpr_cv_convert(&src, dst,
					      c->fmt == Fmt::YUV420 ? ANPR_CV_I4202BGR : ANPR_CV_NV122BGR);
		} else {
			/* Gather the planes into OpenCV's layout: luma rows, then the chroma rows packed. */
			err = anpr_image_alloc(&c->staging, c->width, c->height * 3 / 2, 1);
			if (err)
				break;
			uint8_t *out = c->staging.data;
			for (size_t y = 0; y < h; y++, out += w)
				memcpy(out, pl.p[0] + y * s, w);
			if (c->fmt == Fmt::YUV420) {
				for (size_t i = 1; i <= 2; i++)
					for (size_t y = 0; y < h / 2; y++, out += w / 2)
						memcpy(out, pl.p[i] + y * (s / 2), w / 2);
			} else {
				for (size_t y = 0; y < h / 2; y++, out += w)
					memcpy(out, pl.p[1] + y * s, w);
			}
			err = anpr_cv_convert(&c->staging, dst,
					      c->fmt == Fmt::YUV420 ? ANPR_CV_I4202BGR : ANPR_CV_NV122BGR);
		}
		break;
	case Fmt::RGB888: {
		anpr_image src = view(pl.p[0], c->width, c->height, 3, s);
		err = c->grey ? anpr_cv_convert(&src, dst, ANPR_CV_BGR2GREY) : anpr_image_copy(&src, dst);
		break;
	}
	case Fmt::MJPEG: {
		size_t used = fb->metadata().planes().empty() ? 0 : fb->metadata().planes()[0].bytesused;
		err = anpr_cv_decode(pl.p[0], std::min(used, pl.len[0]),
				     c->grey ? ANPR_CV_LOAD_GREY : ANPR_CV_LOAD_COLOR, dst);
		if (!err && (dst->width != c->width || dst->height != c->height))
			err = ANPR_ERR_DECODE;
		if (err && err != ANPR_ERR_NOMEM)
			err = ANPR_ERR_DECODE;
		break;
	}
	}
	dmabuf_sync(pl.fds, DMA_BUF_SYNC_END);
	return err;
}

/* Frame number and capture times from the request's metadata. */
void stamp(anpr_libcamera *c, Request *req, anpr_frame_info *info)
{
	const FrameBuffer *fb = req->findBuffer(c->stream);
	std::optional<int64_t> sensor = req->metadata().get(controls::SensorTimestamp);
	int64_t ts = sensor ? *sensor : static_cast<int64_t>(fb->metadata().timestamp);
	const uint32_t seq32 = fb->metadata().sequence;

	/*
	 * The timestamp is CLOCK_MONOTONIC (V4L2's). It is placed on the wall clock by its age, sampled for
	 * each frame rather than once at start, so an NTP step after boot moves the stamps with it.
	 */
	int64_t age = raw_mono_ns() - ts;
	if (age < 0 || age > kMaxFrameAgeNs) {
		CAM_LOG(kLogW, "sensor timestamp %lld ns is %lld ns from now; stamping the frame on arrival",
			static_cast<long long>(ts), static_cast<long long>(age));
		ts = raw_mono_ns();
		age = 0;
	}
	if (!c->have_first) {
		c->have_first = true;
		c->first_ts_ns = ts;
		c->last_seq32 = seq32;
		c->seq = 0;
	} else {
		/* 32-bit sequence numbers wrap; the difference does not. */
		c->seq += static_cast<uint32_t>(seq32 - c->last_seq32);
		c->last_seq32 = seq32;
	}
	info->seq = c->seq;
	info->mono_ms = (anpr_clock_mono_ns() - age) / 1000000;
	info->utc_ms = anpr_clock_utc_ms() - age / 1000000;
	info->pts_ms = (ts - c->first_ts_ns) / 1000000;
}

anpr_err open_camera(anpr_libcamera *c, const anpr_source_cfg *cfg, anpr_source_geom *geom)
{
	anpr_err err;
	int ret;

	c->grey = cfg->grey;
	c->gain_max = cfg->gain_max;
	c->cm = std::make_unique<CameraManager>();
	ret = c->cm->start();
	if (ret < 0) {
		CAM_LOG(kLogE, "libcamera camera manager did not start: %s", strerror(-ret));
		c->cm.reset();
		return ANPR_ERR_CAMERA;
	}
	err = find_camera(c, cfg->path);
	if (err)
		return err;
	ret = c->camera->acquire();
	if (ret < 0) {
		CAM_LOG(kLogE, "camera %s: cannot acquire it: %s", c->camera->id().c_str(),
			ret == -EBUSY ? "in use by another process" : strerror(-ret));
		return ANPR_ERR_CAMERA;
	}
	c->acquired = true;
	err = configure(c, cfg);
	if (err)
		return err;

	c->alloc = std::make_unique<FrameBufferAllocator>(c->camera);
	ret = c->alloc->allocate(c->stream);
	if (ret <= 0) {
		CAM_LOG(kLogE, "camera %s: cannot allocate frame buffers: %s", c->camera->id().c_str(),
			strerror(ret < 0 ? -ret : ENOMEM));
		return ret == -ENOMEM ? ANPR_ERR_NOMEM : ANPR_ERR_CAMERA;
	}
	for (const std::unique_ptr<FrameBuffer> &fb : c->alloc->buffers(c->stream)) {
		std::unique_ptr<Request> req = c->camera->createRequest(c->requests.size());
		if (!req || req->addBuffer(c->stream, fb.get()) < 0) {
			CAM_LOG(kLogE, "camera %s: cannot set up a request", c->camera->id().c_str());
			return ANPR_ERR_CAMERA;
		}
		err = map_buffer(c, fb.get());
		if (err)
			return err;
		c->requests.push_back(std::move(req));
	}

	c->camera->requestCompleted.connect(c, &anpr_libcamera::on_request);
	c->camera->disconnected.connect(c, &anpr_libcamera::on_disconnected);
	c->cm->cameraRemoved.connect(c, &anpr_libcamera::on_removed);
	c->connected = true;

	ControlList ctrls(c->camera->controls());
	start_controls(c, cfg, &ctrls);
	ret = c->camera->start(&ctrls);
	if (ret < 0) {
		CAM_LOG(kLogE, "camera %s: cannot start: %s", c->camera->id().c_str(), strerror(-ret));
		return ANPR_ERR_CAMERA;
	}
	c->started = true;
	for (const std::unique_ptr<Request> &req : c->requests) {
		ret = c->camera->queueRequest(req.get());
		if (ret < 0) {
			CAM_LOG(kLogE, "camera %s: cannot queue a request: %s", c->camera->id().c_str(),
				strerror(-ret));
			return ANPR_ERR_CAMERA;
		}
	}
	geom->width = c->width;
	geom->height = c->height;
	geom->fps = cfg->fps;
	CAM_LOG(kLogI, "camera %s: %s, %zu buffers%s", c->camera->id().c_str(),
		c->config->at(0).toString().c_str(), c->requests.size(), c->grey ? ", grey" : "");
	return ANPR_ERR_OK;
}

void teardown(anpr_libcamera *c)
{
	{
		std::lock_guard<std::mutex> g(c->lock);
		c->stopping = true;
	}
	if (c->started)
		c->camera->stop(); /* returns once every request is back, cancelled */
	if (c->connected) {
		c->camera->requestCompleted.disconnect(c);
		c->camera->disconnected.disconnect(c);
		c->cm->cameraRemoved.disconnect(c);
	}
	c->requests.clear();
	for (const Mapping &m : c->maps)
		munmap(m.addr, m.len);
	c->maps.clear();
	c->alloc.reset();
	c->config.reset();
	if (c->acquired)
		c->camera->release();
	c->camera.reset();
	if (c->cm)
		c->cm->stop();
	c->cm.reset();
	anpr_image_free(&c->staging);
}

} // namespace

extern "C" {

anpr_err anpr_libcamera_open(const anpr_source_cfg *cfg, anpr_libcamera **out, anpr_source_geom *geom)
{
	anpr_libcamera *c = nullptr;
	anpr_err err;

	*out = nullptr;
	*geom = anpr_source_geom{};
	try {
		c = new anpr_libcamera();
		err = open_camera(c, cfg, geom);
	} catch (const std::bad_alloc &) {
		err = ANPR_ERR_NOMEM;
	} catch (...) {
		err = ANPR_ERR_CAMERA;
	}
	if (err) {
		anpr_libcamera_close(c);
		return err;
	}
	*out = c;
	return ANPR_ERR_OK;
}

anpr_err anpr_libcamera_next(anpr_libcamera *c, anpr_image *dst, anpr_frame_info *info, int64_t timeout_ms)
{
	Request *req = nullptr;
	anpr_err err;

	try {
		{
			std::unique_lock<std::mutex> g(c->lock);
			auto wake = [c] { return c->interrupted || c->gone || c->len > 0; };
			if (timeout_ms < 0 || timeout_ms > kMaxTimeoutMs)
				c->cv.wait(g, wake);
			else if (!c->cv.wait_for(g, std::chrono::milliseconds(timeout_ms), wake))
				return ANPR_ERR_TIMEOUT;
			if (c->interrupted)
				return ANPR_ERR_CLOSED;
			if (c->gone)
				return ANPR_ERR_CAMERA;
			req = c->ready[c->head];
			c->head = (c->head + 1) % kMaxReady;
			c->len--;
		}
		err = convert(c, req, dst);
		if (!err) {
			stamp(c, req, info);
			limit_gain(c, req, dst);
		}
	} catch (const std::bad_alloc &) {
		err = ANPR_ERR_NOMEM;
	} catch (...) {
		err = ANPR_ERR_INTERNAL;
	}
	if (req) {
		try {
			c->requeue(req);
		} catch (...) {
			c->mark_gone("internal error requeueing a frame");
		}
	}
	return err;
}

void anpr_libcamera_interrupt(anpr_libcamera *c)
{
	if (!c)
		return;
	try {
		{
			std::lock_guard<std::mutex> g(c->lock);
			c->interrupted = true;
		}
		c->cv.notify_all();
	} catch (...) {
		/* std::mutex::lock only throws on a broken mutex; nothing better to do */
	}
}

void anpr_libcamera_close(anpr_libcamera *c)
{
	if (!c)
		return;
	try {
		teardown(c);
	} catch (...) {
		/* the handle goes anyway */
	}
	delete c;
}

} /* extern "C" */

static_assert(__COUNTER__ < ANPR_SOURCE_LOG_SITES, "more log call sites than anpr_source_log() keeps apart");
