"""A music bed for video ads, synthesised here: no samples, no licence to track.

:func:`music_bed` writes a calm, licence-free loop in numpy: a four-chord progression
(I-V-vi-IV) as soft sine pads, an arpeggio of plucked notes on the eighths and a soft kick on
beats one and three, faded in and out, peaking at -6 dBFS. The key and tempo come from the seed,
so the same seed gives the same samples on every machine; the studio uses it whenever a brand
ships no ``music.*`` file of its own.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from studio.core.errors import InvalidValue

SAMPLE_RATE = 44_100
#: Peak level of the bed, as a fraction of full scale (0.5 is -6 dBFS: room for a voice-over).
PEAK = 0.5
#: Semitones above the key's root of each chord's notes: I, V, vi, IV (root, third, fifth).
PROGRESSION = ((0, 4, 7), (7, 11, 14), (9, 12, 16), (5, 9, 12))
#: Roots the seed chooses among (MIDI notes C3, D3, F3, G3) and tempi (beats per minute).
ROOTS = (48, 50, 53, 55)
TEMPI = (84, 92, 100)


def _hz(midi: float) -> float:
    return 440.0 * 2 ** ((midi - 69) / 12)


def music_bed(duration_s: float, *, seed: int = 0, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """``duration_s`` seconds of music.

    Returns
    -------
    numpy.ndarray
        float32, shape ``(round(duration_s * sample_rate), 2)`` (stereo), values in [-PEAK, PEAK].

    Raises
    ------
    InvalidValue
        For a duration that is not positive or a sample rate under 8 kHz.
    """
    if duration_s <= 0:
        raise InvalidValue(f"duration_s must be > 0 seconds; received {duration_s}")
    if sample_rate < 8000:
        raise InvalidValue(f"sample_rate must be at least 8000 Hz; received {sample_rate}")
    rng = np.random.default_rng(seed)
    root = ROOTS[int(rng.integers(0, len(ROOTS)))]
    beat = 60.0 / TEMPI[int(rng.integers(0, len(TEMPI)))]
    bar = 4 * beat
    n = round(duration_s * sample_rate)
    t = np.arange(n) / sample_rate
    left = np.zeros(n)
    right = np.zeros(n)

    # Pads: each chord for one bar, with a slow swell so bar changes do not click.
    for index, chord in enumerate(PROGRESSION * (int(duration_s / bar) // 4 + 1)):
        start = index * bar
        if start >= duration_s:
            break
        span = (t >= start) & (t < start + bar)
        local = t[span] - start
        envelope = np.minimum(1.0, local / 0.4) * np.minimum(1.0, (bar - local) / 0.4)
        for k, step in enumerate(chord):
            tone = np.sin(2 * np.pi * _hz(root + step) * t[span]) * envelope * 0.12
            pan = 0.35 + 0.15 * k  # spread the chord a little across the stereo field
            left[span] += tone * (1 - pan)
            right[span] += tone * pan

    # Arpeggio: a plucked note on every eighth, walking up the chord an octave higher.
    eighth = beat / 2
    for index in range(int(duration_s / eighth) + 1):
        start = index * eighth
        chord = PROGRESSION[int(start / bar) % len(PROGRESSION)]
        note = root + 12 + chord[index % 3]
        span = (t >= start) & (t < start + eighth * 1.8)
        local = t[span] - start
        pluck = np.sin(2 * np.pi * _hz(note) * t[span]) * np.exp(-local * 9) * 0.18
        pluck *= np.minimum(1.0, local / 0.004)
        left[span] += pluck * (0.6 if index % 2 else 0.4)
        right[span] += pluck * (0.4 if index % 2 else 0.6)

    # Kick on beats one and three: a falling sine, soft.
    for index in range(int(duration_s / (2 * beat)) + 1):
        start = index * 2 * beat
        span = (t >= start) & (t < start + 0.25)
        local = t[span] - start
        phase = 2 * np.pi * (50 * local + 70 * (1 - np.exp(-local * 30)) / 30)
        kick = np.sin(phase) * np.exp(-local * 14) * 0.35
        left[span] += kick
        right[span] += kick

    stereo = np.stack([left, right], axis=1)
    fade_in = np.minimum(1.0, t / min(0.3, duration_s / 4))
    fade_out = np.minimum(1.0, (duration_s - t) / min(1.5, duration_s / 4))
    stereo *= (fade_in * np.clip(fade_out, 0.0, 1.0))[:, None]
    peak = float(np.abs(stereo).max())
    if peak > 0:
        stereo *= PEAK / peak
    return stereo.astype(np.float32)


def write_wav(path: Path, samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> Path:
    """Write float samples (shape ``(n, channels)``, values in [-1, 1]) as 16-bit PCM WAV."""
    pcm = np.clip(np.round(samples * 32767), -32768, 32767).astype("<i2")
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(samples.shape[1])
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(pcm.tobytes())
    return path
