/* SPDX-License-Identifier: MIT */
/* What tests may see of a clip plan beyond synth_clip.h: where the vehicles are on the road. */
#ifndef ANPR_SYNTH_CLIP_INTERNAL_H
#define ANPR_SYNTH_CLIP_INTERNAL_H

#include <stdbool.h>

#include "synth_clip.h"

/*
 * The stretch of road vehicle i (anpr_synth_clip_vehicle_at() order) covers
 * in frame: from its face with the plate (z_near, metres from the camera's
 * foot) to its other end (z_far). False when it is not drawn in that frame.
 */
bool anpr_synth_clip_extent_(const anpr_synth_clip *c, int i, int frame, double *z_near, double *z_far);

#endif
