import { type FormEvent, useEffect, useId, useLayoutEffect, useRef, useState } from 'react'
import { COMMENT_MAX_LENGTH, type Comment } from '../shared/api'
import { authorProblem, commentProblem, textLength } from '../shared/rules'
import { RequestError } from './api'
import { formatAgo, nameHue } from './format'
import { useNow } from './useNow'

const NAME_KEY = 'likewire-demo:name'

function initialName(): string {
  try {
    const saved = localStorage.getItem(NAME_KEY)
    if (saved) return saved
  } catch {
    // storage can be blocked; a random name is fine
  }
  return `Guest ${Math.floor(1000 + Math.random() * 9000)}`
}

/** Live comments: newest at the bottom, kept in view; every text is rendered as text (React escapes it). */
export function Comments({
  comments,
  onSubmit,
}: {
  comments: Comment[]
  onSubmit: (author: string, text: string) => Promise<void>
}) {
  const [author, setAuthor] = useState(initialName)
  const [text, setText] = useState('')
  const [problem, setProblem] = useState<string | null>(null)
  const [sending, setSending] = useState(false)
  const list = useRef<HTMLOListElement>(null)
  const stickToBottom = useRef(true)
  const now = useNow(15_000)
  const ids = useId()
  const length = textLength(text.trim())

  useEffect(() => {
    try {
      localStorage.setItem(NAME_KEY, author)
    } catch {
      // not persisted; fine
    }
  }, [author])

  // keep the newest comment visible unless the viewer scrolled up to read older ones
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the list changes
  useLayoutEffect(() => {
    const element = list.current
    if (element && stickToBottom.current) element.scrollTop = element.scrollHeight
  }, [comments])

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    const found = authorProblem(author) ?? commentProblem(text)
    if (found) {
      setProblem(found.message)
      return
    }
    setSending(true)
    try {
      await onSubmit(author.trim(), text.trim())
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
        {comments.length === 0 ? (
          <li className="comment-empty">No comments yet. Say hello!</li>
        ) : (
          comments.map((comment) => (
            <li key={comment.id} className="comment" data-testid="comment">
              <span
                className="avatar"
                aria-hidden="true"
                style={{ background: `hsl(${nameHue(comment.author)} 55% 45%)` }}
              >
                {[...comment.author][0]?.toUpperCase()}
              </span>
              <div className="comment-body">
                <div className="comment-meta">
                  <span className="comment-author">{comment.author}</span>
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
            value={author}
            onChange={(event) => setAuthor(event.target.value)}
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
