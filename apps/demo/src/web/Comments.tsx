import { isMemberId, type PresenceStatus } from '@likewire/client'
import { type FormEvent, useCallback, useId, useLayoutEffect, useMemo, useRef, useState } from 'react'
import { COMMENT_MAX_LENGTH, type Comment } from '../shared/api'
import { commentProblem, nameProblem, textLength } from '../shared/rules'
import { RequestError } from './api'
import { CommenterPresence, type PresenceChange, PresenceDot } from './CommenterPresence'
import { formatAgo, nameHue } from './format'
import { guest, useGuest } from './guest'
import { useNow } from './useNow'

/**
 * Live comments: newest at the bottom, kept in view, each with its commenter's presence dot; every
 * text and name is rendered as text (React escapes it). The name field renames this browser's guest.
 */
export function Comments({
  comments,
  onSubmit,
}: {
  comments: Comment[]
  onSubmit: (text: string) => Promise<void>
}) {
  const me = useGuest()
  // what the visitor is typing as their name; null shows the guest's
  const [draftName, setDraftName] = useState<string | null>(null)
  const [text, setText] = useState('')
  const [problem, setProblem] = useState<string | null>(null)
  const [sending, setSending] = useState(false)
  const [statuses, setStatuses] = useState<ReadonlyMap<string, PresenceStatus>>(() => new Map())
  const list = useRef<HTMLOListElement>(null)
  const stickToBottom = useRef(true)
  const now = useNow(15_000)
  const ids = useId()
  const length = textLength(text.trim())
  const name = draftName ?? me?.name ?? ''

  const commenters = useMemo(
    () => [...new Set(comments.map((comment) => comment.memberId).filter((id) => isMemberId(id)))],
    [comments],
  )
  const onPresence = useCallback<PresenceChange>((memberId, status) => {
    setStatuses((current) => {
      if ((current.get(memberId) ?? null) === status) return current
      const next = new Map(current)
      if (status === null) next.delete(memberId)
      else next.set(memberId, status)
      return next
    })
  }, [])

  // keep the newest comment visible unless the viewer scrolled up to read older ones
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the list changes
  useLayoutEffect(() => {
    const element = list.current
    if (element && stickToBottom.current) element.scrollTop = element.scrollHeight
  }, [comments])

  /** Renames the guest when the field says something else; false (with the problem shown) when it cannot. */
  const commitName = async (): Promise<boolean> => {
    if (draftName === null) return true
    const wanted = draftName.trim()
    if (wanted === me?.name) {
      setDraftName(null)
      return true
    }
    const found = nameProblem(wanted)
    if (found) {
      setProblem(found.message)
      return false
    }
    try {
      await guest.rename(wanted)
      setDraftName(null)
      return true
    } catch (error) {
      setProblem(error instanceof RequestError ? error.message : 'Could not change your name.')
      return false
    }
  }

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    const found = nameProblem(name) ?? commentProblem(text)
    if (found) {
      setProblem(found.message)
      return
    }
    setSending(true)
    try {
      if (!(await commitName())) return
      await onSubmit(text.trim())
      setText('')
      setProblem(null)
      stickToBottom.current = true
    } catch (error) {
      setProblem(error instanceof RequestError ? error.message : 'Could not send your comment.')
    } finally {
      setSending(false)
    }
  }

  return (
    <section className="comments" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`} className="panel-title">
        Comments <span className="muted">{comments.length > 0 ? comments.length : ''}</span>
      </h2>
      <ol
        ref={list}
        className="comment-list"
        data-testid="comment-list"
        aria-live="polite"
        aria-relevant="additions"
        onScroll={(event) => {
          const el = event.currentTarget
          stickToBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40
        }}
      >
        <CommenterPresence memberIds={commenters} onChange={onPresence} />
        {comments.length === 0 ? (
          <li className="comment-empty">No comments yet. Say hello!</li>
        ) : (
          comments.map((comment) => (
            <li key={comment.id} className="comment" data-testid="comment" data-member-id={comment.memberId}>
              <span className="avatar-wrap">
                <span
                  className="avatar"
                  aria-hidden="true"
                  style={{ background: `hsl(${nameHue(comment.author)} 55% 45%)` }}
                >
                  {[...comment.author][0]?.toUpperCase()}
                </span>
                {isMemberId(comment.memberId) ? (
                  <PresenceDot status={statuses.get(comment.memberId)} />
                ) : null}
              </span>
              <div className="comment-body">
                <div className="comment-meta">
                  <span className="comment-author" data-testid="comment-author">
                    {comment.author}
                  </span>
                  <time className="muted" dateTime={new Date(comment.createdAt).toISOString()}>
                    {formatAgo(comment.createdAt, now)}
                  </time>
                </div>
                <p className="comment-text" data-testid="comment-text">
                  {comment.text}
                </p>
              </div>
            </li>
          ))
        )}
      </ol>
      <form className="comment-form" onSubmit={submit} noValidate>
        <label className="name-field">
          <span className="muted">Commenting as</span>
          <input
            value={name}
            placeholder={me ? undefined : 'Joining…'}
            onChange={(event) => {
              setDraftName(event.target.value)
              if (problem) setProblem(null)
            }}
            onBlur={() => void commitName()}
            data-testid="author-input"
            aria-label="Your name"
            autoComplete="nickname"
          />
        </label>
        <div className="comment-row">
          <input
            className="comment-input"
            value={text}
            onChange={(event) => {
              setText(event.target.value)
              if (problem) setProblem(null)
            }}
            placeholder="Add a comment…"
            aria-label="Comment"
            aria-invalid={problem !== null}
            aria-describedby={`${ids}-hint`}
            data-testid="comment-input"
            enterKeyHint="send"
          />
          <button type="submit" className="button primary" data-testid="comment-submit" disabled={sending}>
            Post
          </button>
        </div>
        <div id={`${ids}-hint`} className="comment-hint">
          {problem ? (
            <span className="comment-error" role="alert" data-testid="comment-error">
              {problem}
            </span>
          ) : (
            <span />
          )}
          <span className={length > COMMENT_MAX_LENGTH ? 'counter over' : 'counter'}>
            {length}/{COMMENT_MAX_LENGTH}
          </span>
        </div>
      </form>
    </section>
  )
}
